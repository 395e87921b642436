namespace Postmaster.Policy;

/// <summary>A check that may refuse mail in the dialogue although envelope and recipient are valid: SPF, a
/// <c>dso(...)</c> plugin, a <c>socket(...)</c> policy server, recipient verification.</summary>
/// <remarks>Implementations keep their own time limits and turn their own failures (a dead server, a hung
/// plugin) into a verdict; an exception that still escapes is answered by <see cref="PolicyChain"/> with
/// 451 4.3.5, so a broken policy can cost a client a retry but never a crash.</remarks>
public interface ISessionPolicy
{
    /// <summary>The name in log lines: "spf", "dso(/usr/lib/x.so)", "socket(unix:/run/postgrey.sock)".</summary>
    string Name { get; }

    /// <summary>Whether this policy wants to be asked at <paramref name="stage"/> at all.</summary>
    bool Handles(PolicyStage stage);

    ValueTask<PolicyVerdict> CheckAsync(SessionFacts facts, CancellationToken cancellation);
}
