using System.Collections.Immutable;

namespace Postmaster.Submission;

/// <summary>The outcome, the queue id when there is one, and one line per problem for standard error.</summary>
public sealed record SubmissionResult(SubmissionOutcome Outcome, string? QueueId, ImmutableArray<string> Problems)
{
    public static SubmissionResult Queued(string? queueId) => new(SubmissionOutcome.Queued, queueId, []);

    public static SubmissionResult Failed(SubmissionOutcome outcome, params string[] problems) => new(outcome, null, [.. problems]);
}
