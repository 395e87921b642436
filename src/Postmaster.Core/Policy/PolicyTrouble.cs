using Postmaster.Config;

namespace Postmaster.Policy;

/// <summary>The verdict when a policy could not give one (it timed out, was down, or answered garbage), as the
/// <c>policy-failure</c> setting says: Postfix's 451 4.3.5 by default, or no objection.</summary>
public static class PolicyTrouble
{
    /// <param name="problem">What went wrong, for the log line that names the policy.</param>
    public static PolicyVerdict Verdict(PolicyFailureAction action, string problem) => action switch
    {
        PolicyFailureAction.Continue => PolicyVerdict.Continue with { Note = $"{problem}; continuing (policy-failure continue)" },
        _ => PolicyVerdict.Defer(PolicyChain.PolicyFailure) with { Note = problem },
    };
}
