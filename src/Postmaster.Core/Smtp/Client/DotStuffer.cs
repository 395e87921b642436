using System.Buffers;

namespace Postmaster.Smtp.Client;

/// <summary>The streaming encoder for DATA content (RFC 5321 §4.5.2): a dot at the start of a line is doubled,
/// every line ends in CRLF, and <see cref="Finish"/> adds the terminating <c>.CRLF</c>.</summary>
/// <remarks>Bare CR and bare LF become CRLF: the spool holds CRLF text already, and sending a lone one on would
/// hand the next hop an SMTP smuggling ambiguity (RFC 5321 §2.3.8). Input may be split anywhere.</remarks>
internal sealed class DotStuffer
{
    static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    bool _lineStart = true;
    bool _pendingCr;

    /// <summary>Octets written so far, stuffing included.</summary>
    public long Written { get; private set; }

    public void Encode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        while (!input.IsEmpty)
        {
            if (_pendingCr)
            {
                _pendingCr = false;
                Put(output, Crlf);
                _lineStart = true;
                if (input[0] == (byte)'\n')
                    input = input[1..];
                continue;
            }
            if (_lineStart && input[0] == (byte)'.')
                Put(output, "."u8);
            int end = input.IndexOfAny((byte)'\r', (byte)'\n');
            ReadOnlySpan<byte> run = end < 0 ? input : input[..end];
            if (!run.IsEmpty)
            {
                Put(output, run);
                _lineStart = false;
            }
            if (end < 0)
                return;
            if (input[end] == (byte)'\r')
                _pendingCr = true;
            else
            {
                Put(output, Crlf);
                _lineStart = true;
            }
            input = input[(end + 1)..];
        }
    }

    /// <summary>Ends the last line if it is open and writes the end-of-data marker.</summary>
    public void Finish(IBufferWriter<byte> output)
    {
        if (_pendingCr || !_lineStart)
            Put(output, Crlf);
        Put(output, ".\r\n"u8);
        _pendingCr = false;
        _lineStart = true;
    }

    void Put(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        Written += bytes.Length;
    }
}
