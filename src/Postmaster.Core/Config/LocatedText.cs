namespace Postmaster.Config;

/// <summary>A piece of a <see cref="LogicalLine"/> that still knows where it was written: the unit every parser
/// of the file passes around, so an error about an item inside a list points at that item.</summary>
internal readonly struct LocatedText
{
    readonly LogicalLine _line;
    readonly int _start;

    public LocatedText(LogicalLine line, int start, int length)
    {
        _line = line;
        _start = start;
        Length = length;
    }

    public int Length { get; }

    public bool IsEmpty => Length == 0;

    public ReadOnlySpan<char> Span => _line.Text.AsSpan(_start, Length);

    public string Text => _line.Text.Substring(_start, Length);

    public char this[int index] => _line.Text[_start + index];

    /// <summary>Where the first character was written.</summary>
    public SourceLocation Where => _line.At(_start);

    public SourceLocation At(int offset) => _line.At(_start + offset);

    public LocatedText Slice(int start) => new(_line, _start + start, Length - start);

    public LocatedText Slice(int start, int length) => new(_line, _start + start, length);

    /// <summary>Drops blanks (space and TAB, the only white space of the format) at both ends.</summary>
    public LocatedText Trim()
    {
        ReadOnlySpan<char> span = Span;
        int start = 0, end = span.Length;
        while (start < end && IsBlank(span[start]))
            start++;
        while (end > start && IsBlank(span[end - 1]))
            end--;
        return Slice(start, end - start);
    }

    public int IndexOf(char c) => Span.IndexOf(c);

    /// <summary>Splits at <paramref name="separator"/> where the parenthesis depth is 0, so the commas inside
    /// <c>pipe(a, b)</c> stay in the item. Items are not trimmed. An unbalanced <c>)</c> does not make the depth
    /// negative; the item parser reports it.</summary>
    public List<LocatedText> SplitTopLevel(char separator = ',')
    {
        var items = new List<LocatedText>();
        ReadOnlySpan<char> span = Span;
        int depth = 0, itemStart = 0;
        for (int i = 0; i < span.Length; i++)
        {
            char c = span[i];
            if (c == '(')
                depth++;
            else if (c == ')')
                depth = Math.Max(0, depth - 1);
            else if (c == separator && depth == 0)
            {
                items.Add(Slice(itemStart, i - itemStart));
                itemStart = i + 1;
            }
        }
        items.Add(Slice(itemStart));
        return items;
    }

    /// <summary>Where to report an empty list item: the comma after it, or for a trailing comma the one before.</summary>
    public SourceLocation EmptyItemWhere()
    {
        string text = _line.Text;
        int after = _start + Length;
        if (after < text.Length && text[after] == ',')
            return _line.At(after);
        return _line.At(Math.Max(_start - 1, 0));
    }

    public static bool IsBlank(char c) => c is ' ' or '\t';

    public override string ToString() => Text;
}
