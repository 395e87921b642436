using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

/// <summary>Reads the next hop's replies (RFC 5321 §4.2) off a pipe, one whole (possibly multi-line) reply per
/// call, with bounded lines and a bounded number of lines.</summary>
/// <remarks>Resumable: complete lines are consumed as they arrive and kept until the last line of the reply, so
/// a reply split over many reads (or segments) costs no rescanning. A line ends in LF with an optional CR before
/// it: servers are held to the reply syntax, not to CRLF. Anything else that breaks the syntax throws
/// <see cref="SmtpProtocolViolationException"/> (MailKit's SmtpStream does the same).</remarks>
public sealed class ReplyReader(PipeReader input, int maxLineLength = ReplyReader.DefaultMaxLineLength, int maxLines = ReplyReader.DefaultMaxLines)
{
    /// <summary>RFC 5321 §4.5.3.1.5 allows 512 octets; real servers stay far below this more forgiving bound.</summary>
    public const int DefaultMaxLineLength = 2048;

    /// <summary>A big EHLO reply has some twenty lines.</summary>
    public const int DefaultMaxLines = 100;

    readonly List<string> _lines = [];
    short _code;
    string _status = "";

    /// <summary>Reads one complete reply.</summary>
    /// <exception cref="SmtpProtocolViolationException">Malformed, too long, mismatched codes, or the connection
    /// closed before the reply was complete.</exception>
    public async ValueTask<Reply> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            bool complete = TryTakeReply(ref buffer, out Reply reply);
            input.AdvanceTo(buffer.Start, complete ? buffer.Start : buffer.End);
            if (complete)
                return reply;
            if (result.IsCompleted)
                throw new SmtpProtocolViolationException(_lines.Count == 0 && buffer.IsEmpty
                    ? "connection closed by the server"
                    : "connection closed by the server in the middle of a reply", connectionClosed: true);
            if (result.IsCanceled)
                throw new OperationCanceledException("reading the reply was cancelled");
        }
    }

    /// <summary>Whether bytes the client has not read yet are already waiting: after the 220 to STARTTLS there
    /// must be none (RFC 3207 §4.2, CVE-2011-0411 seen from the client's side).</summary>
    public bool HasUnreadInput()
    {
        if (!input.TryRead(out ReadResult result))
            return false;
        bool any = !result.Buffer.IsEmpty;
        input.AdvanceTo(result.Buffer.Start);
        return any;
    }

    /// <summary>Takes whole lines off <paramref name="buffer"/> until the last line of a reply.</summary>
    bool TryTakeReply(ref ReadOnlySequence<byte> buffer, out Reply reply)
    {
        reply = default;
        while (TryTakeLine(ref buffer, out ReadOnlySequence<byte> line))
        {
            if (AddLine(line))
            {
                reply = new Reply(_code, _status, string.Join('\n', _lines));
                _lines.Clear();
                _status = "";
                return true;
            }
        }
        return false;
    }

    bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        ReadOnlySequence<byte> window = buffer.Length > maxLineLength + 2 ? buffer.Slice(0, maxLineLength + 2) : buffer;
        SequencePosition? lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            if (window.Length == maxLineLength + 2)
                throw new SmtpProtocolViolationException($"reply line longer than {maxLineLength} octets");
            line = default;
            return false;
        }
        line = buffer.Slice(0, lf.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
            line = line.Slice(0, line.Length - 1);
        if (line.Length > maxLineLength)
            throw new SmtpProtocolViolationException($"reply line longer than {maxLineLength} octets");
        return true;
    }

    /// <summary>RFC 5321 §4.2: <c>Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF</c>.</summary>
    /// <returns>True when this was the last line of the reply.</returns>
    bool AddLine(in ReadOnlySequence<byte> sequence)
    {
        ReadOnlySpan<byte> line = sequence.IsSingleSegment ? sequence.FirstSpan : sequence.ToArray();
        if (line.Length < 3 || line[0] is < (byte)'2' or > (byte)'5' || !char.IsAsciiDigit((char)line[1]) || !char.IsAsciiDigit((char)line[2])
            || (line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-')))
            throw new SmtpProtocolViolationException($"malformed reply line \"{Printable(line)}\"");

        short code = (short)((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
        if (_lines.Count == 0)
            _code = code;
        else if (code != _code)
            throw new SmtpProtocolViolationException($"reply lines with different codes {_code} and {code}");
        if (_lines.Count == maxLines)
            throw new SmtpProtocolViolationException($"reply longer than {maxLines} lines");

        string text = line.Length > 4 ? Encoding.UTF8.GetString(line[4..]) : "";
        if (SplitStatus(code, text) is { } split)
        {
            if (_lines.Count == 0)
                _status = split.Status;
            text = split.Text;
        }
        _lines.Add(text);
        return line.Length == 3 || line[3] == (byte)' ';
    }

    /// <summary>The RFC 3463 status at the start of a reply text (RFC 2034 §4): <c>class "." subject "." detail</c>,
    /// class the same digit as the reply code's, subject and detail 1-3 digits, then a space or the end.</summary>
    internal static (string Status, string Text)? SplitStatus(short code, string text)
    {
        int end = text.IndexOf(' ');
        string candidate = end < 0 ? text : text[..end];
        string[] parts = candidate.Split('.');
        if (parts.Length != 3 || parts[0].Length != 1 || parts[0][0] != (char)('0' + code / 100))
            return null;
        foreach (string part in parts.AsSpan(1))
        {
            if (part.Length is < 1 or > 3 || !part.All(char.IsAsciiDigit))
                return null;
        }
        return (candidate, end < 0 ? "" : text[(end + 1)..]);
    }

    static string Printable(ReadOnlySpan<byte> line)
    {
        var text = new StringBuilder(Math.Min(line.Length, 80));
        foreach (byte b in line[..Math.Min(line.Length, 80)])
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        return line.Length > 80 ? text.Append("...").ToString() : text.ToString();
    }
}
