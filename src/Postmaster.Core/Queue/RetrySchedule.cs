using System.Collections.Immutable;

namespace Postmaster.Queue;

/// <summary>When to try a deferred message again: the <c>retry</c> setting's delays in turn, the last one
/// repeating, each stretched or shrunk by up to a tenth at random so that messages deferred together do
/// not all come back together (chasquid).</summary>
internal sealed class RetrySchedule(ImmutableArray<TimeSpan> delays, Random random)
{
    public const double Jitter = 0.1;

    /// <param name="attempts">Attempts made so far, this one included (1 after the first).</param>
    public DateTimeOffset Next(DateTimeOffset now, int attempts)
    {
        TimeSpan delay = delays.IsEmpty ? TimeSpan.FromMinutes(5) : delays[Math.Clamp(attempts - 1, 0, delays.Length - 1)];
        double factor = 1 + (random.NextDouble() * 2 - 1) * Jitter;
        return now + delay * factor;
    }
}
