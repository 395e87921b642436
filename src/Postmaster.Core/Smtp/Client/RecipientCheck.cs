using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

/// <summary>What <see cref="SmtpRelayClient.CheckRecipientAsync"/> learnt about one recipient: the server's reply
/// to RCPT TO, or why there is none.</summary>
/// <param name="Rcpt">The reply to RCPT TO; null when it was not asked.</param>
/// <param name="MailRefusal">The reply to <c>MAIL FROM:&lt;&gt;</c> when it was not 2xx (then there is no RCPT reply).</param>
/// <param name="Problem">A broken connection, a timeout, a protocol violation, or a recipient this server cannot be
/// asked about (a UTF-8 address without SMTPUTF8).</param>
public sealed record RecipientCheck(Reply? Rcpt, Reply? MailRefusal, string? Problem)
{
    public override string ToString() =>
        Rcpt is { } rcpt ? rcpt.ToString() : MailRefusal is { } mail ? $"MAIL FROM:<> refused: {mail}" : Problem ?? "?";
}
