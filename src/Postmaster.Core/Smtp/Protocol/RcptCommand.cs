using Postmaster.Mail;

namespace Postmaster.Smtp.Protocol;

/// <summary>The arguments of RCPT TO (RFC 5321 §4.1.1.3).</summary>
/// <param name="Recipient">The forward path; null when <paramref name="IsBarePostmaster"/>.</param>
/// <param name="IsBarePostmaster">The unqualified <c>&lt;postmaster&gt;</c> (any case), which every server must
/// accept (RFC 5321 §4.5.1).</param>
public sealed record RcptCommand(Mailbox? Recipient, bool IsBarePostmaster)
{
    /// <summary>Canonical form, e.g. <c>TO:&lt;bob@example.org&gt;</c>.</summary>
    public override string ToString() => IsBarePostmaster ? "TO:<postmaster>" : $"TO:<{Recipient}>";
}
