using System.Text;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

// Recipient verification (the seed's "ask the next hop during our own RCPT TO", Postfix's address probe):
// MAIL FROM:<> and RCPT TO, then QUIT (or RSET for the next question); no message is ever sent.
public sealed partial class SmtpRelayClient
{
    /// <summary>Asks the server whether it would take mail for <paramref name="recipient"/>: <c>MAIL FROM:&lt;&gt;</c>
    /// (the null sender, so that nothing the server might send back can loop: RFC 5321 §4.5.5) and <c>RCPT TO</c>, in
    /// one write when the server offers PIPELINING; the caller then says QUIT, or asks again (after an RSET). Trouble with the connection drops it and comes
    /// back as <see cref="RecipientCheck.Problem"/>; only the caller's cancellation throws.</summary>
    public async Task<RecipientCheck> CheckRecipientAsync(Mailbox recipient, CancellationToken cancellationToken)
    {
        if (_stream is null)
            return new RecipientCheck(null, null, $"no open connection with {Peer}");
        bool utf8 = !Ascii.IsValid(recipient.LocalPart);
        if (utf8 && !Extensions!.Has(ServerCapabilities.Smtputf8))
            return new RecipientCheck(null, null, $"{Peer} does not support SMTPUTF8, which the address needs");
        try
        {
            if (_needsReset)
            {
                _stage = "RSET";
                CheckReset(await CommandAsync("RSET", Timeouts.Command, cancellationToken));
            }
            _needsReset = true;
            string mail = utf8 ? "MAIL FROM:<> SMTPUTF8" : "MAIL FROM:<>";
            string rcpt = $"RCPT TO:<{recipient}>";
            Reply mailReply, rcptReply;
            if (Extensions!.Has(ServerCapabilities.Pipelining))
            {
                Write(mail);
                Write(rcpt);
                _stage = "MAIL FROM";
                await FlushAsync(Timeouts.Mail, cancellationToken);
                mailReply = await ReadReplyAsync(Timeouts.Mail, cancellationToken);
                _stage = rcpt;
                rcptReply = await ReadReplyAsync(Timeouts.Rcpt, cancellationToken);
            }
            else
            {
                _stage = "MAIL FROM";
                mailReply = await CommandAsync(mail, Timeouts.Mail, cancellationToken);
                if (mailReply.Code / 100 != 2)
                    return new RecipientCheck(null, mailReply, null);
                _stage = rcpt;
                rcptReply = await CommandAsync(rcpt, Timeouts.Rcpt, cancellationToken);
            }
            if (mailReply.Code / 100 != 2)
                return new RecipientCheck(null, mailReply, null);   // the RCPT reply is only its consequence
            return new RecipientCheck(rcptReply, null, null);
        }
        catch (Exception e) when (IsConnectionProblem(e, cancellationToken))
        {
            string problem = _closing is { } closing ? closing.ToString() : Describe(e);
            SmtpClientLog.ConnectionDropped(_log, Peer, problem);
            await CloseAsync();
            return new RecipientCheck(null, null, problem);
        }
        catch (OperationCanceledException)
        {
            await CloseAsync();
            throw;
        }
    }
}
