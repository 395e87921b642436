using System.Buffers;

namespace Postmaster.Smtp.Protocol;

/// <summary>An SMTP reply: basic code, RFC 3463 enhanced status, text, and what the loop must do next.</summary>
/// <remarks><paramref name="Text"/> may hold '\n' for a multi-line reply (RFC 5321 §4.2.1). <paramref name="Status"/>
/// "" means no enhanced code: the greeting and the HELO/EHLO replies carry none (RFC 2034 §3).</remarks>
public readonly record struct Reply(short Code, string Status, string Text, SessionAction Action = SessionAction.None)
{
    public bool IsPositive => Code < 400;
    public bool IsTransient => Code is >= 400 and < 500;
    public bool IsPermanent => Code >= 500;

    public Reply WithAction(SessionAction action) => this with { Action = action };

    /// <summary>Writes the wire form: <c>250-2.0.0 a\r\n250 2.0.0 b\r\n</c>, the status repeated on every line.</summary>
    /// <remarks>Anything but printable ASCII in the text (a client's EHLO argument, say) goes out as '?', so a
    /// reply can never break the line discipline it enforces.</remarks>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ReadOnlySpan<char> rest = Text ?? "";
        while (true)
        {
            int newline = rest.IndexOf('\n');
            if (newline < 0)
            {
                WriteLine(output, rest, last: true);
                return;
            }
            WriteLine(output, rest[..newline], last: false);
            rest = rest[(newline + 1)..];
        }
    }

    void WriteLine(IBufferWriter<byte> output, ReadOnlySpan<char> line, bool last)
    {
        string status = Status ?? "";
        if (line.EndsWith('\r'))
            line = line[..^1];
        bool spaced = !last || status.Length > 0 || !line.IsEmpty;   // "250\r\n", never "250 \r\n"
        int length = 3 + (spaced ? 1 : 0) + status.Length + (status.Length > 0 && !line.IsEmpty ? 1 : 0) + line.Length + 2;
        Span<byte> span = output.GetSpan(length);

        int code = Math.Clamp((int)Code, 0, 999);
        span[0] = (byte)('0' + code / 100);
        span[1] = (byte)('0' + code / 10 % 10);
        span[2] = (byte)('0' + code % 10);
        int at = 3;
        if (spaced)
            span[at++] = last ? (byte)' ' : (byte)'-';
        at += Printable(status, span[at..]);
        if (status.Length > 0 && !line.IsEmpty)
            span[at++] = (byte)' ';
        at += Printable(line, span[at..]);
        span[at++] = (byte)'\r';
        span[at++] = (byte)'\n';
        output.Advance(at);
    }

    static int Printable(ReadOnlySpan<char> text, Span<byte> destination)
    {
        for (int i = 0; i < text.Length; i++)
            destination[i] = text[i] is >= ' ' and <= '~' ? (byte)text[i] : (byte)'?';
        return text.Length;
    }

    /// <summary>One line for logs and tests: <c>250 2.0.0 Ok</c>; the lines of a multi-line reply joined with " / ".</summary>
    public override string ToString()
    {
        string text = (Text ?? "").Replace("\r", "").Replace("\n", " / ");
        return string.IsNullOrEmpty(Status) ? $"{Code} {text}" : $"{Code} {Status} {text}";
    }
}
