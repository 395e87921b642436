using System.Buffers;

namespace Postmaster.Tests.Support;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, to test code that must not care where
/// the segments of a pipe's buffer begin and end (Kestrel's split-at-every-byte tests).</summary>
public static class MultiSegment
{
    /// <summary>The bytes in segments that end at each of <paramref name="cuts"/> (ascending offsets).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        int[] bounds = [0, .. cuts.Where(c => c > 0 && c < bytes.Length), bytes.Length];
        Segment first = new(bytes.AsMemory(bounds[0], bounds[1] - bounds[0]), 0);
        Segment last = first;
        for (int i = 1; i + 1 < bounds.Length; i++)
            last = last.Append(bytes.AsMemory(bounds[i], bounds[i + 1] - bounds[i]));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> EveryByte(byte[] bytes) =>
        Split(bytes, Enumerable.Range(1, Math.Max(0, bytes.Length - 1)).ToArray());

    sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
