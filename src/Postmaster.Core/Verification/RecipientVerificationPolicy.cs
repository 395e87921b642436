using System.Text;
using Postmaster.Config;
using Postmaster.Policy;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Verification;

/// <summary><c>verify-recipients on</c>: at RCPT TO, a recipient that will be relayed to a domain we relay for is
/// checked with its next hop (<see cref="RecipientVerifier"/>) before we accept it, so that mail for a user the
/// inside server does not know is refused in the dialogue rather than bounced later (no backscatter).</summary>
/// <remarks>
/// <para>Only targets of <c>relay</c> are asked about, and only for domains named in the routing table: mail that
/// trusted clients send out to other domains through the default route <c>@</c> is not verified, since that would
/// ask outside servers about every outgoing recipient.</para>
/// <para>A 5xx from the next hop becomes our <c>550 5.1.1</c> with its text; when nobody can tell (4xx, timeout,
/// unreachable) the recipient is accepted, or with <c>verify-recipients-tempfail defer</c> answered 451.</para>
/// </remarks>
public sealed class RecipientVerificationPolicy(RecipientVerifier verifier, Settings settings) : ISessionPolicy
{
    /// <summary>The remote text quoted in our reply is cut here: a reply line has 512 octets (RFC 5321 §4.5.3.1.5).</summary>
    const int MaxQuoted = 300;

    public string Name => "verify-recipients";

    public bool Handles(PolicyStage stage) => stage == PolicyStage.Rcpt;

    public async ValueTask<PolicyVerdict> CheckAsync(SessionFacts facts, CancellationToken cancellation)
    {
        if (facts.Resolution is not { Succeeded: true, NeedsTrustedClient: false } resolution)
            return PolicyVerdict.Continue;
        var questions = resolution.Targets.Where(t => t.Mailer is Target.Relay)
            .Select(t => ((Target.Relay)t.Mailer with { Where = default }, t.Recipient)).Distinct().ToList();
        if (questions.Count == 0)
            return PolicyVerdict.Continue;

        VerificationResult[] answers = await Task.WhenAll(questions.Select(q => verifier.VerifyAsync(q.Item1, q.Recipient, settings, cancellation)));
        string recipient = $"<{facts.Recipient ?? resolution.Address}>";
        if (answers.FirstOrDefault(a => a.Status == VerificationStatus.Rejected) is { } rejected)
            return PolicyVerdict.Reject(new Reply(550, rejected.EnhancedStatus, $"{recipient}: Recipient address rejected: {Quoted(rejected.Text)}"));
        if (settings.VerifyRecipientsTempfail == VerifyTempfail.Defer && answers.Any(a => a.Status == VerificationStatus.Unknown))
            return PolicyVerdict.Defer(new Reply(451, "4.4.3", $"{recipient}: Recipient address cannot be verified now; try again later"));
        return PolicyVerdict.Continue;
    }

    /// <summary>A remote reply as one line of printable ASCII, cut to a size that keeps our reply line legal.</summary>
    static string Quoted(string text)
    {
        var line = new StringBuilder(Math.Min(text.Length, MaxQuoted + 3));
        foreach (char c in text)
        {
            if (line.Length == MaxQuoted)
                return line.Append("...").ToString();
            line.Append(c is >= ' ' and <= '~' ? c : ' ');
        }
        return line.ToString();
    }
}
