using System.IO.Pipelines;

namespace Postmaster.Smtp.Client;

/// <summary>A write-only stream that dot-stuffs what it is given (<see cref="DotStuffer"/>) into the connection's
/// pipe and flushes every <see cref="FlushThreshold"/> octets, each flush bounded by the data block timeout
/// (RFC 5321 §4.5.3.2.5). Plain copies and MimeKit's writer both write through it.</summary>
internal sealed class DotStuffingStream(PipeWriter output, TimeSpan blockTimeout, CancellationToken cancellationToken) : Stream
{
    public const int FlushThreshold = 64 * 1024;

    readonly DotStuffer _stuffer = new();
    long _flushedAt;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken token = default)
    {
        _stuffer.Encode(buffer.Span, output);
        if (_stuffer.Written - _flushedAt >= FlushThreshold)
            await FlushOutputAsync(token);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken token) =>
        WriteAsync(buffer.AsMemory(offset, count), token).AsTask();

    /// <summary>Synchronous writers would block a thread on the network; the client only ever writes asynchronously.</summary>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, default).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken token) => Task.CompletedTask;   // flushing is ours to decide

    public override void Flush() { }

    /// <summary>Writes the end-of-data marker and flushes everything.</summary>
    public async Task CompleteAsync()
    {
        _stuffer.Finish(output);
        await FlushOutputAsync(default);
    }

    async Task FlushOutputAsync(CancellationToken token)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, token);
        limit.CancelAfter(blockTimeout);
        try
        {
            await output.FlushAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !token.IsCancellationRequested)
        {
            throw new TimeoutException($"no progress for {Seconds(blockTimeout)}");
        }
        _flushedAt = _stuffer.Written;
    }

    internal static string Seconds(TimeSpan timeout) => $"{timeout.TotalSeconds:0.###} s";

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
