namespace Postmaster.Config;

/// <summary>One entry of the file after comments are dropped and continuation lines are joined, with a map
/// from every character back to the physical line and column it came from, so that an error deep inside a
/// continued entry still points at the right place.</summary>
internal sealed class LogicalLine
{
    readonly int[] _lines;
    readonly int[] _columns;

    public LogicalLine(string fileName, string text, int[] lines, int[] columns)
    {
        FileName = fileName;
        Text = text;
        _lines = lines;
        _columns = columns;
    }

    public string FileName { get; }

    /// <summary>The entry's text: trimmed, continuation lines appended with one space each.</summary>
    public string Text { get; }

    public LocatedText All => new(this, 0, Text.Length);

    /// <summary>Where the character at <paramref name="index"/> was written; one past the end means just after the
    /// last character (for "missing ..." errors).</summary>
    public SourceLocation At(int index)
    {
        if (Text.Length == 0)
            return new SourceLocation(FileName, 1, 1);
        if (index >= Text.Length)
            return new SourceLocation(FileName, _lines[^1], _columns[^1] + 1);
        index = Math.Max(index, 0);
        return new SourceLocation(FileName, _lines[index], _columns[index]);
    }
}
