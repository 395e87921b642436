namespace Postmaster.Delivery;

/// <summary>Turns a queued message (CRLF line ends, as SMTP carries it) into the form local mailboxes and
/// commands expect: LF line ends, and for mbox the mboxrd quoting of <c>From </c> lines. Streaming: the input
/// may be cut anywhere, even between CR and LF or inside <c>&gt;&gt;From</c>.</summary>
/// <remarks>
/// Why LF: Unix mailbox files, Maildir readers and local commands (procmail, sieve filters) work with LF;
/// Postfix's local(8) and pipe(8) convert the same way. A CR that is not followed by LF is kept as it is.
/// mboxrd (Hall, "The application/mbox Media Type", RFC 4155 and the qmail mbox(5) page): every line
/// matching <c>^&gt;*From </c> gets one more <c>&gt;</c>, so a reader can undo the quoting exactly by
/// removing one <c>&gt;</c> from every such line.
/// </remarks>
internal sealed class LocalLineEncoder(bool quoteFromLines)
{
    static ReadOnlySpan<byte> FromSpace => "From "u8;

    byte[] _buffer = new byte[16 * 1024];
    int _length;
    bool _pendingCr;
    bool _atLineStart = true;   // only tracked when quoting
    long _greaterSigns;         // '>' seen at the start of the current line, not yet written
    int _fromMatched;           // how much of "From " followed them, not yet written
    byte _last = (byte)'\n';    // an empty message counts as ending with a line end
    long _written;

    /// <summary>Whether the output so far is empty or ends with LF.</summary>
    public bool EndsWithLineEnd => _last == (byte)'\n';

    /// <summary>Octets produced so far.</summary>
    public long BytesWritten => _written;

    /// <summary>Encodes the next piece of input; the result is valid until the next call.</summary>
    public ReadOnlySpan<byte> Encode(ReadOnlySpan<byte> input)
    {
        _length = 0;
        Reserve(input.Length + 8);
        if (!quoteFromLines)
            EncodeLineEnds(input);
        else
        {
            foreach (byte b in input)
                Next(b);
        }
        return Produced();
    }

    /// <summary>Flushes what the end of input decides: a trailing CR, a partial <c>&gt;*From</c> prefix.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        _length = 0;
        Reserve(16);
        if (_pendingCr)
        {
            _pendingCr = false;
            Content((byte)'\r');
        }
        FlushPrefix();
        return Produced();
    }

    ReadOnlySpan<byte> Produced()
    {
        _written += _length;
        if (_length > 0)
            _last = _buffer[_length - 1];
        return _buffer.AsSpan(0, _length);
    }

    // The fast path for Maildir and pipes: copy runs between CRs, drop the CR of each CRLF.
    void EncodeLineEnds(ReadOnlySpan<byte> input)
    {
        if (_pendingCr && input.Length > 0)
        {
            _pendingCr = false;
            if (input[0] != (byte)'\n')
                Append((byte)'\r');
        }
        while (input.Length > 0)
        {
            int cr = input.IndexOf((byte)'\r');
            if (cr < 0)
            {
                Append(input);
                return;
            }
            Append(input[..cr]);
            if (cr + 1 == input.Length)
            {
                _pendingCr = true;      // the next piece decides
                return;
            }
            if (input[cr + 1] != (byte)'\n')
                Append((byte)'\r');
            input = input[(cr + 1)..];
        }
    }

    void Next(byte b)
    {
        if (_pendingCr)
        {
            _pendingCr = false;
            if (b == (byte)'\n')
            {
                Content(b);
                return;
            }
            Content((byte)'\r');
        }
        if (b == (byte)'\r')
            _pendingCr = true;
        else
            Content(b);
    }

    void Content(byte c)
    {
        if (_atLineStart)
        {
            if (_fromMatched == 0 && c == (byte)'>')
            {
                _greaterSigns++;
                return;
            }
            if (c == FromSpace[_fromMatched])
            {
                if (++_fromMatched < FromSpace.Length)
                    return;
                Append((byte)'>');      // a ^>*From line: one more '>'
                FlushPrefix();
                return;
            }
            FlushPrefix();
        }
        Append(c);
        if (c == (byte)'\n' && quoteFromLines)
            _atLineStart = true;
    }

    void FlushPrefix()
    {
        if (!_atLineStart)
            return;
        while (_greaterSigns > 0)
        {
            int n = (int)Math.Min(_greaterSigns, 4096);
            Reserve(n);
            _buffer.AsSpan(_length, n).Fill((byte)'>');
            _length += n;
            _greaterSigns -= n;
        }
        Append(FromSpace[.._fromMatched]);
        _fromMatched = 0;
        _atLineStart = false;
    }

    void Append(byte b)
    {
        Reserve(1);
        _buffer[_length++] = b;
    }

    void Append(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    void Reserve(int more)
    {
        if (_length + more <= _buffer.Length)
            return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
    }
}
