using System.Text;

namespace Postmaster.Submission;

/// <summary>One field of the message's header section as it was written: its name and its raw lines (the
/// first holding "Name:", the others its folded continuations), so that fields we keep go out unchanged.</summary>
internal sealed class HeaderField(string name, byte[] firstLine)
{
    public string Name { get; } = name;

    public List<byte[]> Lines { get; } = [firstLine];

    public bool Is(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The value unfolded (RFC 5322 §2.2.3): everything after the colon, continuation lines joined.</summary>
    public byte[] Value
    {
        get
        {
            var value = new MemoryStream();
            byte[] first = Lines[0];
            int colon = Array.IndexOf(first, (byte)':');
            value.Write(first, colon + 1, first.Length - colon - 1);
            foreach (byte[] line in Lines.Skip(1))
                value.Write(line);
            return value.ToArray();
        }
    }

    /// <summary>The field name if <paramref name="line"/> starts a field (RFC 5322 §3.6.8 ftext, then ':'; the
    /// obsolete white space before the colon of §4.5 allowed), else null.</summary>
    public static string? NameOf(byte[] line)
    {
        int end = 0;
        while (end < line.Length && line[end] is >= 33 and <= 126 and not (byte)':')
            end++;
        if (end == 0)
            return null;
        int colon = end;
        while (colon < line.Length && line[colon] is (byte)' ' or (byte)'\t')
            colon++;
        return colon < line.Length && line[colon] == (byte)':' ? Encoding.ASCII.GetString(line, 0, end) : null;
    }
}
