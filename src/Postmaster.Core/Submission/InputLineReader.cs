namespace Postmaster.Submission;

/// <summary>Reads the message <c>sendmail</c> gets on standard input as lines, whatever their ends: LF, CRLF,
/// or none on the last line. Lines come back without their end; the caller writes CRLF (RFC 5322 §2.1).</summary>
/// <remarks>
/// A CR that does not end a line is dropped: the daemon refuses bare CRs (SMTP smuggling) and RFC 5322 allows
/// CR only before LF. A line longer than <see cref="MaxLine"/> octets is broken there and the rest continues
/// on a new line that starts with a space, as Postfix's smtp_line_length_limit does: in a header that is
/// folding, in a body it keeps the message deliverable (RFC 5321 §4.5.3.1.6). Without <c>-i</c> a line with
/// a single "." ends the input, as in Sendmail and Postfix; dots are never unstuffed (that is SMTP's business).
/// </remarks>
internal sealed class InputLineReader
{
    /// <summary>RFC 5322 §2.1.1: at most 998 characters, excluding the CRLF.</summary>
    public const int MaxLine = 998;

    readonly Stream _input;
    readonly bool _ignoreDots;
    readonly byte[] _buffer = new byte[64 * 1024];
    readonly MemoryStream _line = new();
    int _start, _end;
    bool _endOfInput, _done, _broken;

    public InputLineReader(Stream input, bool ignoreDots)
    {
        _input = input;
        _ignoreDots = ignoreDots;
    }

    /// <summary>Whether the input ended with a line holding a single "." (rather than at end of file).</summary>
    public bool EndedWithDot { get; private set; }

    /// <summary>The next line, without its end; null when the input is over.</summary>
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        if (_done)
            return null;
        _line.SetLength(0);
        bool continuation = _broken;
        _broken = false;
        if (continuation)
            _line.WriteByte((byte)' ');

        bool ended = false;
        while (!ended)
        {
            if (_start == _end)
            {
                if (_endOfInput || !await FillAsync(cancellationToken))
                    break;
            }
            byte octet = _buffer[_start++];
            if (octet == (byte)'\n')
                ended = true;
            else if (octet == (byte)'\r')
                continue;
            else if (_line.Length == MaxLine)
            {
                _start--;                       // this octet starts the continuation line
                _broken = true;
                return _line.ToArray();
            }
            else
                _line.WriteByte(octet);
        }

        if (!ended && _line.Length == 0)
        {
            _done = true;
            return null;
        }
        if (!_ignoreDots && !continuation && _line.Length == 1 && _line.GetBuffer()[0] == (byte)'.')
        {
            _done = true;
            EndedWithDot = true;
            return null;
        }
        return _line.ToArray();
    }

    async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        int read = await _input.ReadAsync(_buffer, cancellationToken);
        _start = 0;
        _end = read;
        if (read == 0)
            _endOfInput = true;
        return read > 0;
    }
}
