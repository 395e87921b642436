using Postmaster.Config;

namespace Postmaster.Policy.Delegation;

/// <summary><c>policy socket(unix:/path | host:port)</c>: asks a policy server in Postfix's policy delegation
/// protocol at the stages configured (RCPT unless more are written); a server that is down, slow or answers
/// garbage gets the <c>policy-failure</c> verdict.</summary>
/// <remarks>Trusted clients (trusted-networks, this machine's sendmail) are not asked, as with Postfix's usual
/// <c>permit_mynetworks</c> before <c>check_policy_service</c>: a greylisting server must not hold up our own mail.</remarks>
public sealed class DelegatedPolicy(PolicySpec.Socket spec, PolicyServerClient client, TimeSpan timeout, PolicyFailureAction failure)
    : ISessionPolicy
{
    public string Name { get; } = spec.ToString();

    public bool Handles(PolicyStage stage) => spec.Stages.Includes(stage);

    public async ValueTask<PolicyVerdict> CheckAsync(SessionFacts facts, CancellationToken cancellation)
    {
        if (facts.IsTrusted)
            return PolicyVerdict.Continue;
        Dictionary<string, string> reply;
        try
        {
            reply = await client.AskAsync(PolicyRequest.Build(facts), timeout, cancellation);
        }
        catch (PolicyServerException e)
        {
            return PolicyTrouble.Verdict(failure, e.Message);
        }
        if (!reply.TryGetValue("action", out string? action))
            return PolicyTrouble.Verdict(failure, "reply without action=");
        return PolicyAction.Read(action) ?? PolicyTrouble.Verdict(failure, $"unknown action \"{Shorten(action)}\"");
    }

    static string Shorten(string text) => text.Length > 100 ? text[..100] + "..." : text;
}
