namespace Postmaster.Smtp.Protocol;

public sealed partial class BodyReader
{
    /// <summary>The dot-decoder: one message's state, fed any number of input spans, gathering output in a buffer.</summary>
    sealed class DotDecoder(long maxSize, byte[] output)
    {
        public enum Stop { None, End, BareLineEnding }

        // Where we are in the line discipline; the names say what the last input bytes were.
        enum State : byte
        {
            LineStart,   // at the start of a line (also the very first one)
            InLine,      // inside a line
            SawCR,       // a CR; only an LF may follow
            SawDot,      // a "." at the start of a line, not written: stuffing, or the end
            SawDotCR,    // "." CR at the start of a line; an LF ends the data
        }

        static ReadOnlySpan<byte> Received => "received:"u8;
        static ReadOnlySpan<byte> Crlf => "\r\n"u8;

        State _state = State.LineStart;
        int _buffered;
        bool _writing = true;
        long _size;
        long _lineLength;             // octets of the current line so far, unstuffed, without CRLF
        bool _inHeaders = true;       // until the first empty line
        bool _matchingReceived = true; // the current line may still start with "Received:"
        int _receivedHeaders;
        bool _tooBig, _lineTooLong;

        public int Buffered => _buffered;

        /// <summary>Room for less than one CRLF: write before decoding more.</summary>
        public bool IsFull => output.Length - _buffered < 2;

        public ReadOnlyMemory<byte> TakeOutput()
        {
            ReadOnlyMemory<byte> taken = output.AsMemory(0, _buffered);
            _buffered = 0;
            return taken;
        }

        public void StopWriting()
        {
            _writing = false;
            _buffered = 0;
        }

        /// <summary>The outcome, given how the data ended; after the end the first problem wins, in this order.</summary>
        public BodyOutcome Outcome(BodyResult ending)
        {
            BodyResult result = ending != BodyResult.Complete ? ending
                : _tooBig ? BodyResult.TooBig
                : _lineTooLong ? BodyResult.LineTooLong
                : _receivedHeaders >= MaxReceivedHeaders ? BodyResult.TooManyHops
                : BodyResult.Complete;
            return new BodyOutcome(result, _size, _receivedHeaders);
        }

        /// <summary>Decodes from the front of <paramref name="input"/> until it is used up, the output is full,
        /// or the data ends (<paramref name="stop"/>).</summary>
        /// <returns>Input octets used: through the final LF on <see cref="Stop.End"/>; on
        /// <see cref="Stop.BareLineEnding"/>, up to (not including) the octet that showed it.</returns>
        public int Decode(ReadOnlySpan<byte> input, out Stop stop)
        {
            stop = Stop.None;
            int i = 0;
            while (i < input.Length && !IsFull)
            {
                byte b = input[i];
                switch (_state)
                {
                    case State.LineStart:
                        if (b == '.')
                            (_state, i) = (State.SawDot, i + 1);
                        else if (b == '\r')
                            (_state, i) = (State.SawCR, i + 1);
                        else if (b == '\n')
                            return Bare(i, out stop);
                        else
                            _state = State.InLine;           // the same octet again, as content
                        break;

                    case State.InLine:
                        ReadOnlySpan<byte> rest = input[i..];
                        int run = rest.IndexOfAny((byte)'\r', (byte)'\n');
                        run = Math.Min(run < 0 ? rest.Length : run, output.Length - _buffered);
                        if (run > 0)
                        {
                            Content(rest[..run]);             // the common case: many octets at once
                            i += run;
                        }
                        else if (b == '\r')
                            (_state, i) = (State.SawCR, i + 1);
                        else
                            return Bare(i, out stop);
                        break;

                    case State.SawCR:
                        if (b != '\n')
                            return Bare(i, out stop);
                        EndOfLine();
                        (_state, i) = (State.LineStart, i + 1);
                        break;

                    case State.SawDot:
                        if (b == '\r')
                            (_state, i) = (State.SawDotCR, i + 1);
                        else if (b == '\n')
                            return Bare(i, out stop);
                        else
                            _state = State.InLine;           // RFC 5321 §4.5.2: the leading dot is dropped
                        break;

                    case State.SawDotCR:
                        if (b != '\n')
                            return Bare(i, out stop);
                        stop = Stop.End;
                        return i + 1;
                }
            }
            return i;
        }

        static int Bare(int at, out Stop stop)
        {
            stop = Stop.BareLineEnding;
            return at;
        }

        void Content(ReadOnlySpan<byte> bytes)
        {
            if (_matchingReceived)
                MatchReceived(bytes);
            _lineLength += bytes.Length;
            if (_lineLength > MaxTextLine - 2)
                _lineTooLong = true;
            Write(bytes);
        }

        void EndOfLine()
        {
            if (_lineLength == 0)
                _inHeaders = false;                  // the empty line ends the header section
            Write(Crlf);
            _lineLength = 0;
            _matchingReceived = _inHeaders;
        }

        // Counts header lines starting with "Received:" (any case); folded lines start with white space.
        void MatchReceived(ReadOnlySpan<byte> bytes)
        {
            int at = (int)_lineLength;
            int n = Math.Min(bytes.Length, Received.Length - at);
            for (int j = 0; j < n; j++)
            {
                byte b = bytes[j];
                if ((b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b) != Received[at + j])
                {
                    _matchingReceived = false;
                    return;
                }
            }
            if (at + n == Received.Length)
            {
                _receivedHeaders++;
                _matchingReceived = false;
            }
        }

        void Write(ReadOnlySpan<byte> bytes)
        {
            _size += bytes.Length;
            if (_size > maxSize)
                _tooBig = true;                      // keep reading to the end, write no more
            if (_tooBig || !_writing)
                return;
            bytes.CopyTo(output.AsSpan(_buffered));
            _buffered += bytes.Length;
        }
    }
}
