using System.Buffers;
using System.Text;

namespace Postmaster.Config;

/// <summary>Turns the bytes of the file into entries (<see cref="LogicalLine"/>): decodes each physical line as
/// strict UTF-8, drops comments and blank lines, and joins continuation lines (notes/config-format.md,
/// "Physical and logical lines"). Never throws; a line it cannot decode is reported and skipped.</summary>
internal sealed class LogicalLineReader
{
    static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    readonly string _fileName;
    readonly ICollection<ConfigError> _errors;
    readonly List<LogicalLine> _entries = [];

    // The entry being built: its text and, per character, the physical line and column.
    readonly StringBuilder _text = new();
    readonly List<int> _lines = [];
    readonly List<int> _columns = [];
    bool _open;        // an entry has started (continuation lines are legal)
    bool _poisoned;    // a line of it could not be decoded: the whole entry is dropped
    int _depth;        // parenthesis depth so far, for the "//" rule

    LogicalLineReader(string fileName, ICollection<ConfigError> errors)
    {
        _fileName = fileName;
        _errors = errors;
    }

    public static List<LogicalLine> Read(ReadOnlySpan<byte> bytes, string fileName, ICollection<ConfigError> errors)
    {
        var reader = new LogicalLineReader(fileName, errors);
        if (bytes.StartsWith(Bom))
            bytes = bytes[Bom.Length..];
        int lineNumber = 0;
        while (!bytes.IsEmpty || lineNumber == 0)
        {
            int lf = bytes.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lf < 0 ? bytes : bytes[..lf];
            bytes = lf < 0 ? [] : bytes[(lf + 1)..];
            if (lf >= 0 && line.EndsWith("\r"u8))
                line = line[..^1];   // CRLF files are fine; any other CR is a control character
            reader.AddPhysicalLine(line, ++lineNumber);
        }
        reader.Flush();
        return reader._entries;
    }

    void AddPhysicalLine(ReadOnlySpan<byte> bytes, int lineNumber)
    {
        if (!TryDecode(bytes, lineNumber, out string? line, out int[]? columns))
        {
            SkipUndecodableLine(bytes);
            return;
        }

        int first = FirstNonBlank(line);
        if (first < 0 || line[first] == '#')
            return;   // blank lines and '#' comments neither start nor end an entry (as in Postfix main.cf)

        bool continuation = first > 0;
        int end = CommentStart(line, continuation && _open ? _depth : 0);
        while (end > first && LocatedText.IsBlank(line[end - 1]))
            end--;
        if (end <= first)
            return;   // only a "//" comment: like a blank line

        if (!continuation)
            StartEntry();
        else if (!_open)
        {
            _errors.Add(new ConfigError(new SourceLocation(_fileName, lineNumber, columns[first]),
                "continuation line without an entry"));
            return;
        }
        else if (_poisoned)
            return;
        else
            AppendJoiningSpace();

        for (int i = first; i < end; i++)
        {
            _text.Append(line[i]);
            _lines.Add(lineNumber);
            _columns.Add(columns[i]);
            _depth += line[i] == '(' ? 1 : line[i] == ')' && _depth > 0 ? -1 : 0;
        }
    }

    // A line that could not be decoded is dropped; classify it by its raw bytes so its neighbours are not
    // misread: a continuation poisons the entry it belongs to, a new entry is poisoned from the start.
    void SkipUndecodableLine(ReadOnlySpan<byte> bytes)
    {
        int first = bytes.IndexOfAnyExcept((byte)' ', (byte)'\t');
        if (first < 0 || bytes[first] == '#')
            return;
        if (first == 0)
            StartEntry();
        _poisoned = _open;
    }

    void StartEntry()
    {
        Flush();
        _open = true;
    }

    void AppendJoiningSpace()
    {
        // The joining space is placed just after the previous text, so "missing ..." errors point there.
        _text.Append(' ');
        _lines.Add(_lines[^1]);
        _columns.Add(_columns[^1] + 1);
    }

    void Flush()
    {
        if (_open && !_poisoned && _text.Length > 0)
            _entries.Add(new LogicalLine(_fileName, _text.ToString(), [.. _lines], [.. _columns]));
        _text.Clear();
        _lines.Clear();
        _columns.Clear();
        _open = _poisoned = false;
        _depth = 0;
    }

    /// <summary>Decodes one line as strict UTF-8 (no overlong forms, no surrogates) and numbers its characters
    /// by column: 1-based, one per Unicode scalar value, so both halves of a surrogate pair share a column.</summary>
    bool TryDecode(ReadOnlySpan<byte> bytes, int lineNumber, out string line, out int[] columns)
    {
        var text = new StringBuilder(bytes.Length);
        var cols = new List<int>(bytes.Length);
        int column = 1;
        Span<char> utf16 = stackalloc char[2];
        while (!bytes.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(bytes, out Rune rune, out int consumed);
            string? problem = status != OperationStatus.Done ? "invalid UTF-8"
                : IsForbiddenControl(rune.Value) ? $"control character \\x{rune.Value:x2} not allowed" : null;
            if (problem is not null)
            {
                _errors.Add(new ConfigError(new SourceLocation(_fileName, lineNumber, column), problem));
                (line, columns) = ("", []);
                return false;
            }
            int length = rune.EncodeToUtf16(utf16);
            text.Append(utf16[..length]);
            for (int i = 0; i < length; i++)
                cols.Add(column);
            column++;
            bytes = bytes[consumed..];
        }
        (line, columns) = (text.ToString(), [.. cols]);
        return true;
    }

    // TAB is white space; every other C0 control and DEL would be invisible in an error message or a log.
    static bool IsForbiddenControl(int c) => c < 0x20 && c != '\t' || c == 0x7F;

    static int FirstNonBlank(string line)
    {
        for (int i = 0; i < line.Length; i++)
        {
            if (!LocatedText.IsBlank(line[i]))
                return i;
        }
        return -1;
    }

    /// <summary>Where a "//" comment starts, or the line's length. "//" starts a comment at the start of the line
    /// or after white space, and only outside a mailer's parentheses: <c>pipe(cat //x)</c> keeps <c>//x</c>.</summary>
    static int CommentStart(string line, int depth)
    {
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '(')
                depth++;
            else if (c == ')')
                depth = Math.Max(0, depth - 1);
            else if (c == '/' && depth == 0 && i + 1 < line.Length && line[i + 1] == '/'
                     && (i == 0 || LocatedText.IsBlank(line[i - 1])))
                return i;
        }
        return line.Length;
    }
}
