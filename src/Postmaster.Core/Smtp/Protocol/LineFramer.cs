using System.Buffers;

namespace Postmaster.Smtp.Protocol;

/// <summary>Takes command lines off the front of the input, with a hard length limit and strict CRLF.</summary>
public static class LineFramer
{
    /// <summary>RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.</summary>
    public const int MaxCommandLine = 512;

    /// <summary>Takes one line off the front of <paramref name="buffer"/>; <paramref name="line"/> excludes the CRLF.</summary>
    /// <remarks>Looks no further than the limit (Kestrel trims the same way), so a client that never sends LF
    /// cannot make us buffer without end. A line must end in CRLF: an LF without CR, or a CR followed by anything
    /// but LF, is <see cref="FrameResult.BareLineEnding"/> (SMTP smuggling, DESIGN.md §3). The buffer moves only
    /// on <see cref="FrameResult.Found"/>.</remarks>
    public static FrameResult TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        line = default;
        ReadOnlySequence<byte> window = buffer.Length > MaxCommandLine ? buffer.Slice(0, MaxCommandLine) : buffer;
        long at = IndexOfCrOrLf(window, out byte found);
        if (at < 0)
            return window.Length == MaxCommandLine ? FrameResult.TooLong : FrameResult.NeedMore;
        if (found == (byte)'\n')
            return FrameResult.BareLineEnding;       // the first CR or LF is an LF: no CR before it
        if (at + 1 >= MaxCommandLine)
            return FrameResult.TooLong;              // the LF could only come after octet 512
        if (at + 1 == buffer.Length)
            return FrameResult.NeedMore;
        if (buffer.Slice(at + 1, 1).FirstSpan[0] != (byte)'\n')
            return FrameResult.BareLineEnding;

        line = buffer.Slice(0, at);
        buffer = buffer.Slice(at + 2);
        return FrameResult.Found;
    }

    /// <summary>Drops everything through the next LF (after <see cref="FrameResult.TooLong"/>).</summary>
    /// <returns>False when there is no LF yet: then the whole buffer is dropped and the caller keeps skipping.</returns>
    public static bool TrySkipLine(ref ReadOnlySequence<byte> buffer)
    {
        SequencePosition? lf = buffer.PositionOf((byte)'\n');
        if (lf is null)
        {
            buffer = buffer.Slice(buffer.End);
            return false;
        }
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        return true;
    }

    /// <summary>A span over the line; copies into <paramref name="scratch"/> only when the line crosses segments.</summary>
    public static ReadOnlySpan<byte> Linearize(in ReadOnlySequence<byte> line, byte[] scratch)
    {
        if (line.IsSingleSegment)
            return line.FirstSpan;
        line.CopyTo(scratch);
        return scratch.AsSpan(0, (int)line.Length);
    }

    static long IndexOfCrOrLf(in ReadOnlySequence<byte> window, out byte found)
    {
        long offset = 0;
        foreach (ReadOnlyMemory<byte> segment in window)
        {
            ReadOnlySpan<byte> span = segment.Span;
            int i = span.IndexOfAny((byte)'\r', (byte)'\n');
            if (i >= 0)
            {
                found = span[i];
                return offset + i;
            }
            offset += span.Length;
        }
        found = 0;
        return -1;
    }
}
