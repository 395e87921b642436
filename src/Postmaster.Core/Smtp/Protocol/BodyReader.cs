using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;

namespace Postmaster.Smtp.Protocol;

/// <summary>Reads a message after 354 up to and including CRLF.CRLF, undoes dot-stuffing and streams the
/// message to a sink, enforcing the line discipline of DESIGN.md §3.</summary>
/// <remarks>
/// The decoding is a byte-wise state machine (<see cref="DotDecoder"/>, after chasquid's <c>readUntilDot</c>).
/// Only CRLF "." CRLF ends the data ("." CRLF too, as the very first line), so no SMTP smuggling sequence
/// (\n.\n, \r.\r\n ...) can end it early: a bare CR or LF stops reading at once. Other problems (size, line
/// length, hops) let reading go on to the end so the dialogue stays in step (chasquid does the same).
/// One instance may read many messages, one at a time.
/// </remarks>
public sealed partial class BodyReader
{
    /// <summary>RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF.</summary>
    public const int MaxTextLine = 1000;

    /// <summary>RFC 5321 §6.3: at least 100 Received: headers means a loop.</summary>
    public const int MaxReceivedHeaders = 100;

    /// <summary>Decoded bytes are gathered into writes of this size.</summary>
    const int WriteSize = 64 * 1024;

    readonly long _maxSize;

    public BodyReader(long maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSize);
        _maxSize = maxSize;
    }

    /// <summary>Reads the data after 354 up to and including CRLF.CRLF; writes the unstuffed message (CRLF lines)
    /// to <paramref name="sink"/>. Calls <paramref name="onProgress"/> after every read (the session resets its
    /// data-block timeout there).</summary>
    /// <remarks>Bytes after the final CRLF.CRLF stay unread in <paramref name="input"/> (pipelined commands).
    /// When the sink fails with an <see cref="IOException"/> (disk full, say), reading goes on to the end of the
    /// data and the exception is rethrown there, so the session can answer 4xx and carry on.</remarks>
    public async ValueTask<BodyOutcome> ReadAsync(PipeReader input, Stream sink, Action? onProgress, CancellationToken cancellationToken)
    {
        byte[] output = ArrayPool<byte>.Shared.Rent(WriteSize);
        try
        {
            var decoder = new DotDecoder(_maxSize, output);
            ExceptionDispatchInfo? sinkFailure = null;
            while (true)
            {
                ReadResult read = await input.ReadAsync(cancellationToken);
                onProgress?.Invoke();
                ReadOnlySequence<byte> buffer = read.Buffer;
                long used = 0;
                DotDecoder.Stop stop = DotDecoder.Stop.None;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    int offset = 0;
                    while (offset < segment.Length && stop == DotDecoder.Stop.None)
                    {
                        offset += decoder.Decode(segment.Span[offset..], out stop);
                        if (decoder.IsFull || stop == DotDecoder.Stop.End)
                            sinkFailure ??= await WriteAsync(decoder, sink, cancellationToken);
                    }
                    used += offset;
                    if (stop != DotDecoder.Stop.None)
                        break;
                }

                if (stop == DotDecoder.Stop.None)
                    input.AdvanceTo(buffer.End);
                else
                    input.AdvanceTo(buffer.GetPosition(used));    // not examined beyond: the rest is the next command

                if (stop == DotDecoder.Stop.BareLineEnding)
                    return decoder.Outcome(BodyResult.BareLineEnding);
                if (stop == DotDecoder.Stop.End)
                    return await FinishAsync(decoder, sink, sinkFailure, cancellationToken);
                if (read.IsCanceled)
                    throw new OperationCanceledException("The read of the message was canceled.");
                if (read.IsCompleted)
                    return decoder.Outcome(BodyResult.ConnectionClosed);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    static async ValueTask<BodyOutcome> FinishAsync(DotDecoder decoder, Stream sink, ExceptionDispatchInfo? sinkFailure,
        CancellationToken cancellationToken)
    {
        BodyOutcome outcome = decoder.Outcome(BodyResult.Complete);
        if (outcome.Result != BodyResult.Complete)
            return outcome;                        // refused anyway; a sink failure no longer matters
        sinkFailure?.Throw();
        await sink.FlushAsync(cancellationToken);
        return outcome;
    }

    /// <summary>Writes what the decoder gathered; returns the failure instead of throwing it (see ReadAsync).</summary>
    static async ValueTask<ExceptionDispatchInfo?> WriteAsync(DotDecoder decoder, Stream sink, CancellationToken cancellationToken)
    {
        try
        {
            if (decoder.Buffered > 0)
                await sink.WriteAsync(decoder.TakeOutput(), cancellationToken);
            return null;
        }
        catch (IOException e)
        {
            decoder.StopWriting();
            return ExceptionDispatchInfo.Capture(e);
        }
    }
}
