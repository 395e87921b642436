namespace Postmaster.Spf;

/// <summary>The answer to one <see cref="SpfQuery"/>.</summary>
/// <param name="Query">What was asked.</param>
/// <param name="Result">Never <see cref="SpfResult.Invalid"/>.</param>
/// <param name="Problem">For temperror and permerror: what went wrong, in a few words
/// ("DNS timeout", "Unknown mechanism found: foo:bar").</param>
/// <param name="Queries">DNS queries sent.</param>
/// <param name="Elapsed">Time from the start of the check to its result.</param>
public sealed record SpfOutcome(SpfQuery Query, SpfResult Result, string? Problem, int Queries, TimeSpan Elapsed);
