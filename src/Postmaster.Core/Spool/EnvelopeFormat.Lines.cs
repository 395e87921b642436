using System.Diagnostics.CodeAnalysis;

namespace Postmaster.Spool;

// The two small readers behind TryParse: lines in their fixed order, and key=value words within a line.
public static partial class EnvelopeFormat
{
    /// <summary>Walks the lines of an envelope in order, remembering line numbers for problems.</summary>
    sealed class LineCursor
    {
        readonly string[] _lines;
        readonly bool _endsWithNewline;
        int _next;              // index of the next line to take
        int _taken;             // number (1-based) of the last line taken

        public LineCursor(string text)
        {
            _endsWithNewline = text.EndsWith('\n');
            _lines = text.Length == 0 ? [] : (_endsWithNewline ? text[..^1] : text).Split('\n');
        }

        public bool AtEnd => _next >= _lines.Length;

        public string CurrentKey => AtEnd ? "" : Split(_lines[_next], out string key, out _) ? key : _lines[_next];

        /// <summary>The whole file: ends with a newline (else it was cut short) and holds only printable ASCII.</summary>
        public bool CheckAll([NotNullWhen(false)] out string? problem)
        {
            problem = null;
            if (_lines.Length == 0)
                problem = "line 1: empty file";
            else if (!_endsWithNewline)
                problem = $"line {_lines.Length}: no newline at the end (file cut short?)";
            for (int i = 0; i < _lines.Length && problem is null; i++)
            {
                foreach (char c in _lines[i])
                {
                    if (c is < ' ' or > '~')
                    {
                        problem = $"line {i + 1}: character U+{(int)c:X4} must be percent-encoded";
                        break;
                    }
                }
            }
            return problem is null;
        }

        public bool Take(string key, out ReadOnlySpan<char> value, [NotNullWhen(false)] out string? problem)
        {
            value = default;
            problem = null;
            if (AtEnd)
                problem = $"line {_lines.Length + 1}: '{key}' missing (file ends)";
            else if (!Split(_lines[_next], out string found, out string rest))
                problem = $"line {_next + 1}: not 'key: value'";
            else if (found != key)
                problem = $"line {_next + 1}: expected '{key}', found '{found}'";
            else
            {
                value = rest;
                _taken = ++_next;
            }
            return problem is null;
        }

        public bool TakeOptional(string key, out ReadOnlySpan<char> value)
        {
            value = default;
            if (AtEnd || !Split(_lines[_next], out string found, out string rest) || found != key)
                return false;
            value = rest;
            _taken = ++_next;
            return true;
        }

        /// <summary>A problem with the line just taken.</summary>
        public bool Fail(string what, out string problem)
        {
            problem = $"line {_taken}: {what}";
            return false;
        }

        /// <summary>A problem with the line not taken yet (or the end of the file).</summary>
        public bool Next(string what, out string problem)
        {
            problem = $"line {_next + 1}: {what}";
            return false;
        }

        // key ": " value; "key:" alone is an empty value.
        static bool Split(string line, out string key, out string value)
        {
            int colon = line.IndexOf(':');
            key = colon > 0 ? line[..colon] : "";
            value = "";
            if (colon <= 0)
                return false;
            if (colon + 1 == line.Length)
                return true;
            if (line[colon + 1] != ' ')
                return false;
            value = line[(colon + 2)..];
            return true;
        }
    }

    /// <summary>The <c>key=value</c> words of a client or rcpt line, each key at most once.</summary>
    sealed class Fields(string[] keys, string[] rawKeys)
    {
        readonly Dictionary<string, string> _values = [];

        /// <summary>The decoded value (or, for raw keys such as addresses, the text as written); null if absent.</summary>
        public string? this[string key] => _values.GetValueOrDefault(key);

        public bool TryRead(ReadOnlySpan<char> text, [NotNullWhen(false)] out string? problem)
        {
            problem = null;
            foreach (Range range in text.Split(' '))
            {
                ReadOnlySpan<char> word = text[range];
                int equals = word.IndexOf('=');
                string key = equals < 0 ? "" : word[..equals].ToString();
                if (equals < 0 || !keys.Contains(key))
                    problem = $"unknown field '{(equals < 0 ? word : key)}'";
                else if (_values.ContainsKey(key))
                    problem = $"{key}= given twice";
                else if (rawKeys.Contains(key))
                    _values[key] = word[(equals + 1)..].ToString();
                else if (TryDecode(word[(equals + 1)..], out string? value, out problem))
                    _values[key] = value;
                if (problem is not null)
                    return false;
            }
            return true;
        }
    }
}
