using System.Buffers;
using System.IO.Pipelines;
using Postmaster.Tests.Support;

namespace Postmaster.Tests.Smtp.Protocol;

/// <summary>A <see cref="PipeReader"/> that hands out its bytes one chunk more per read, each chunk its own
/// segment, so a test decides exactly where reads and segments split the input.</summary>
sealed class ChunkedPipeReader : PipeReader
{
    readonly ReadOnlySequence<byte> _all;
    readonly long[] _chunkEnds;
    int _chunks;          // chunks handed out so far
    long _consumed;

    /// <param name="cuts">Offsets where one chunk ends and the next begins.</param>
    public ChunkedPipeReader(byte[] bytes, params int[] cuts)
    {
        _all = MultiSegment.Split(bytes, cuts);
        _chunkEnds = [.. cuts.Where(c => c > 0 && c < bytes.Length).Select(c => (long)c), bytes.Length];
    }

    public static ChunkedPipeReader EveryByte(byte[] bytes) =>
        new(bytes, Enumerable.Range(1, Math.Max(0, bytes.Length - 1)).ToArray());

    public int Reads { get; private set; }

    long Available => _chunks == 0 ? 0 : _chunkEnds[_chunks - 1];

    public override bool TryRead(out ReadResult result)
    {
        result = new ReadResult(_all.Slice(_consumed, Available - _consumed), false, Available == _all.Length);
        return Available > _consumed || Available == _all.Length;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        Reads++;
        if (_chunks < _chunkEnds.Length)
            _chunks++;
        TryRead(out ReadResult result);
        return ValueTask.FromResult(result);
    }

    public override void AdvanceTo(SequencePosition consumed) => _consumed = _all.GetOffset(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => AdvanceTo(consumed);

    public override void CancelPendingRead() => throw new NotSupportedException();

    public override void Complete(Exception? exception = null) { }

    /// <summary>Everything not consumed yet, to the end.</summary>
    public byte[] Rest() => _all.Slice(_consumed).ToArray();
}
