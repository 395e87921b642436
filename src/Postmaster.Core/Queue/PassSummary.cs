namespace Postmaster.Queue;

/// <summary>What one <c>spool run</c> did, for its log line and exit code.</summary>
public sealed class PassSummary
{
    int _messages, _delivered, _deferred, _failed, _busy;

    public int Messages => _messages;
    public int Delivered => _delivered;
    public int Deferred => _deferred;
    public int Failed => _failed;
    public int Busy => _busy;

    internal void Add(MessageOutcome outcome)
    {
        if (outcome.Kind == MessageOutcomeKind.NotDue || outcome.Kind == MessageOutcomeKind.Gone)
            return;
        Interlocked.Increment(ref _messages);
        if (outcome.Kind == MessageOutcomeKind.Busy)
            Interlocked.Increment(ref _busy);
        Interlocked.Add(ref _delivered, outcome.Delivered);
        Interlocked.Add(ref _deferred, outcome.Deferred);
        Interlocked.Add(ref _failed, outcome.Failed);
    }
}

internal enum MessageOutcomeKind { Processed, NotDue, Busy, Gone }

/// <summary>What became of one message in one attempt.</summary>
/// <param name="NextAttempt">When to try again; null when it left the queue (or is another runner's).</param>
internal sealed record MessageOutcome(MessageOutcomeKind Kind, DateTimeOffset? NextAttempt, int Delivered = 0, int Deferred = 0, int Failed = 0)
{
    public static readonly MessageOutcome Busy = new(MessageOutcomeKind.Busy, null);
    public static readonly MessageOutcome Gone = new(MessageOutcomeKind.Gone, null);
}
