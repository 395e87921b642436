using Postmaster.Config;

namespace Postmaster.Policy.Dso;

/// <summary><c>policy dso(/path/plugin.so)</c>: asks a loaded plugin at every stage, within the time limit;
/// a plugin that is slow, stuck or answers garbage gets the <c>policy-failure</c> verdict.</summary>
internal sealed class DsoPolicy(DsoPlugin plugin, TimeSpan timeout, PolicyFailureAction failure) : ISessionPolicy
{
    public string Name => plugin.Name;

    public bool Handles(PolicyStage stage) => true;

    public async ValueTask<PolicyVerdict> CheckAsync(SessionFacts facts, CancellationToken cancellation)
    {
        (DsoAnswer? answer, string? problem) = await plugin.CheckAsync(facts, timeout, cancellation);
        if (answer is { } given && DsoReply.Read(given, out problem) is { } verdict)
            return verdict;
        return PolicyTrouble.Verdict(failure, problem!);
    }
}
