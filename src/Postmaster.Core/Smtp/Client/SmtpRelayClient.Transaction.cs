using System.Collections.Immutable;
using System.Text;
using MimeKit;
using Postmaster.Delivery;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

// One mail transaction: MAIL, RCPT for each recipient, DATA and the dot-stuffed content (RFC 5321 §3.3),
// pipelined when the server offers it (RFC 2920).
public sealed partial class SmtpRelayClient
{
    /// <summary>The content to send: as queued, or converted to 7-bit MIME.</summary>
    /// <param name="EightBit">Whether the content sent is 8-bit (then the server offers 8BITMIME).</param>
    sealed record BodyPlan(long Size, bool EightBit, MimeMessage? Converted);

    /// <summary>Sends one message; can be called again on the same connection (RSET comes first then).</summary>
    /// <returns>One result per recipient, in the order of <see cref="MessageTransaction.Recipients"/>. The reply to
    /// DATA and the one after the message apply to every recipient accepted at RCPT.</returns>
    public async Task<ImmutableArray<DeliveryResult>> SendAsync(MessageTransaction message, CancellationToken cancellationToken) =>
        (await SendTransactionAsync(message, cancellationToken)).Results;

    /// <summary><see cref="SendAsync"/>, and what a caller that keeps connections open needs besides the results:
    /// recipients over the server's per-transaction limit, and whether a reused connection turned out stale.</summary>
    public async Task<TransactionResult> SendTransactionAsync(MessageTransaction message, CancellationToken cancellationToken)
    {
        var results = new DeliveryResult?[message.Recipients.Length];
        if (results.Length == 0)
            return TransactionResult.Empty;
        bool reused = _needsReset;
        bool stale = false;
        _answered = 0;
        _overLimit = [];
        _hostRefused = false;
        if (_stream is null)
            Fill(results, DeliveryResult.Deferred("4.4.2", $"no open connection with {Peer}"));
        else
        {
            try
            {
                await TransactAsync(message, results, cancellationToken);
            }
            catch (Exception e) when (IsConnectionProblem(e, cancellationToken))
            {
                // Nothing is known about the recipients not answered yet; the message may even have arrived, but
                // RFC 5321 §6.1 prefers a duplicate to a loss. A server that announced it was closing (421) said why.
                stale = reused && _answered == 0;
                DeliveryResult problem = _closing is { } closing
                    ? DeliveryResult.Deferred(StatusOf(closing, "4.0.0"), closing.ToString())
                    : DeliveryResult.Deferred("4.4.2", Describe(e));
                _hostRefused = true;
                if (stale)
                    SmtpClientLog.StaleConnection(_log, Peer, problem.Diagnostic);
                else
                    SmtpClientLog.ConnectionDropped(_log, Peer, problem.Diagnostic);
                await CloseAsync();
                Fill(results, problem);
            }
            catch
            {
                // Cancelled, or a bug: the dialogue stopped at an unknown point (perhaps inside DATA), so the
                // connection is no use any more and must never go back to the pool.
                await CloseAsync();
                throw;
            }
            if (_closing is not null)
            {
                // A 421 before any other answer on a reused connection: the server was closing it anyway.
                stale |= reused && _answered == 0;
                _hostRefused = true;
                await CloseAsync();
            }
        }
        return new TransactionResult([.. results.Select(r => r!)], stale ? [] : _overLimit, stale, _hostRefused);
    }

    async Task TransactAsync(MessageTransaction message, DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        ServerExtensions server = Extensions!;
        bool smtputf8 = NeedsSmtpUtf8(message);
        if (smtputf8 && !server.Has(ServerCapabilities.Smtputf8))
        {
            // RFC 6531 §3.2: a non-ASCII address cannot be sent to a server without SMTPUTF8.
            Fill(results, DeliveryResult.Failed("5.6.7", $"{Peer} does not support SMTPUTF8, which a non-ASCII address needs"));
            return;
        }
        _stage = "reading the message";
        BodyPlan? plan = await PlanBodyAsync(message, server, results, cancellationToken);
        if (plan is null)
            return;
        try
        {
            if (server.Has(ServerCapabilities.Size) && server.SizeLimit > 0 && plan.Size > server.SizeLimit)
            {
                // RFC 1870 §6: not worth sending; a permanent problem with this message at this host.
                Fill(results, DeliveryResult.Failed("5.3.4", $"message size {plan.Size} exceeds size limit {server.SizeLimit} of {Peer}"));
                return;
            }
            string mail = MailFrom(message.Sender, plan, server, smtputf8);
            if (server.Has(ServerCapabilities.Pipelining))
                await PipelinedAsync(message, plan, mail, results, cancellationToken);
            else
                await OneByOneAsync(message, plan, mail, results, cancellationToken);
        }
        finally
        {
            plan.Converted?.Dispose();
        }
    }

    /// <summary>RFC 2920: RSET, MAIL, every RCPT and DATA in one write, then every reply read before acting on any
    /// (MailKit's FlushCommandQueue). The replies are read while the group is still being written, so a group
    /// bigger than the socket buffers cannot deadlock (RFC 2920 §3.1 last paragraph).</summary>
    async Task PipelinedAsync(MessageTransaction message, BodyPlan plan, string mail, DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        bool reset = _needsReset;
        if (reset)
            Write("RSET");
        Write(mail);
        foreach (Mailbox recipient in message.Recipients)
            Write($"RCPT TO:<{recipient}>");
        Write("DATA");
        _needsReset = true;
        _stage = "MAIL FROM";
        Task flush = FlushAsync(Timeouts.Mail, cancellationToken).AsTask();

        Reply mailReply;
        var rcptReplies = new Reply[message.Recipients.Length];
        Reply dataReply;
        try
        {
            if (reset)
            {
                _stage = "RSET";
                CheckReset(await ReadReplyAsync(Timeouts.Command, cancellationToken));
            }
            _stage = "MAIL FROM";
            mailReply = await ReadReplyAsync(Timeouts.Mail, cancellationToken);
            for (int i = 0; i < rcptReplies.Length; i++)
            {
                _stage = $"RCPT TO:<{message.Recipients[i]}>";
                rcptReplies[i] = await ReadReplyAsync(Timeouts.Rcpt, cancellationToken);
            }
            _stage = "DATA";
            dataReply = await ReadReplyAsync(Timeouts.DataInitiation, cancellationToken);
        }
        catch
        {
            _ = flush.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            throw;
        }
        await flush;

        if (mailReply.Code / 100 != 2)
        {
            // The RCPT and DATA replies are only the consequences (503 bad sequence).
            _hostRefused |= mailReply.IsTransient;
            Fill(results, ResultOf(mailReply));
            if (dataReply.Code == 354)
                await SendEmptyBodyAsync(cancellationToken);
            return;
        }
        await FinishAsync(message, plan, rcptReplies, dataReply, results, cancellationToken);
    }

    /// <summary>Without PIPELINING: each command waits for its reply; no RCPT after a refused MAIL, no DATA when no
    /// recipient was accepted.</summary>
    async Task OneByOneAsync(MessageTransaction message, BodyPlan plan, string mail, DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        if (_needsReset)
        {
            _stage = "RSET";
            CheckReset(await CommandAsync("RSET", Timeouts.Command, cancellationToken));
        }
        _needsReset = true;
        _stage = "MAIL FROM";
        Reply mailReply = await CommandAsync(mail, Timeouts.Mail, cancellationToken);
        if (mailReply.Code / 100 != 2)
        {
            _hostRefused |= mailReply.IsTransient;
            Fill(results, ResultOf(mailReply));
            return;
        }
        var rcptReplies = new Reply[message.Recipients.Length];
        for (int i = 0; i < rcptReplies.Length; i++)
        {
            _stage = $"RCPT TO:<{message.Recipients[i]}>";
            rcptReplies[i] = await CommandAsync($"RCPT TO:<{message.Recipients[i]}>", Timeouts.Rcpt, cancellationToken);
        }
        Reply dataReply = default;
        if (rcptReplies.Any(r => r.Code / 100 == 2))
        {
            _stage = "DATA";
            dataReply = await CommandAsync("DATA", Timeouts.DataInitiation, cancellationToken);
        }
        await FinishAsync(message, plan, rcptReplies, dataReply, results, cancellationToken);
    }

    /// <summary>Acts on the replies: refused recipients get their RCPT reply; the others the DATA reply, or the
    /// reply after the content once it is sent.</summary>
    async Task FinishAsync(MessageTransaction message, BodyPlan plan, Reply[] rcptReplies, Reply dataReply,
        DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        List<int> accepted = [];
        for (int i = 0; i < rcptReplies.Length; i++)
        {
            if (rcptReplies[i].Code / 100 == 2)
                accepted.Add(i);
            else
                results[i] = ResultOf(rcptReplies[i]);
        }
        // RFC 5321 §4.5.3.1.10: a server with a limit on recipients per transaction refuses the excess with 452,
        // and the client sends them in another transaction. Only when others were accepted is it that limit.
        if (accepted.Count > 0)
            _overLimit = [.. Enumerable.Range(0, rcptReplies.Length).Where(i => rcptReplies[i].Code == 452)];
        if (accepted.Count == 0)
        {
            if (dataReply.Code == 354)                    // a server that said 354 with no recipient (RFC 2920 §3.1)
                await SendEmptyBodyAsync(cancellationToken);
            return;
        }
        if (dataReply.Code != 354)
        {
            DeliveryResult refused = dataReply.Code >= 400 ? ResultOf(dataReply) : DeliveryResult.Deferred("4.5.0", $"unexpected reply to DATA: {dataReply}");
            foreach (int i in accepted)
                results[i] = refused;
            return;
        }

        _stage = "the message body";
        var content = new DotStuffingStream(_output!, Timeouts.DataBlock, cancellationToken);
        if (plan.Converted is { } converted)
            await SevenBitConverter.WriteAsync(converted, content, cancellationToken);
        else
            await message.Content.CopyToAsync(content, 64 * 1024, cancellationToken);
        await content.CompleteAsync();

        _stage = "the end of the message";
        DeliveryResult final = ResultOf(await ReadReplyAsync(Timeouts.DataTermination, cancellationToken));
        foreach (int i in accepted)
            results[i] = final;
    }

    /// <summary>Ends a DATA that should not have started; its reply does not matter.</summary>
    async Task SendEmptyBodyAsync(CancellationToken cancellationToken)
    {
        _stage = "the end of an empty message";
        await CommandAsync(".", Timeouts.DataTermination, cancellationToken);
    }

    static void CheckReset(Reply reply)
    {
        if (reply.Code / 100 != 2)
            throw new SmtpProtocolViolationException($"RSET refused: {reply}");
    }

    /// <summary>Decides how the content goes out: as is, or converted to 7-bit MIME for a server without 8BITMIME
    /// (RFC 6152 §3). Null when the message cannot go to this server at all (the results say why).</summary>
    async Task<BodyPlan?> PlanBodyAsync(MessageTransaction message, ServerExtensions server, DeliveryResult?[] results,
        CancellationToken cancellationToken)
    {
        bool eightBitServer = server.Has(ServerCapabilities.EightBitMime);
        bool eightBit = message.Body switch
        {
            BodyType.EightBitMime => true,
            BodyType.Unspecified when !eightBitServer && message.Content.CanSeek =>
                await SevenBitConverter.HasEightBitAsync(message.Content, cancellationToken),
            _ => false,
        };
        if (!eightBit || eightBitServer)
            return new BodyPlan(message.Size, eightBit, null);

        MimeMessage? converted = null;
        try
        {
            converted = await SevenBitConverter.LoadAsync(message.Content, cancellationToken);
            long size = await SevenBitConverter.MeasureAsync(converted, cancellationToken);
            return new BodyPlan(size, false, converted);
        }
        catch (FormatException e)
        {
            converted?.Dispose();
            Fill(results, DeliveryResult.Failed("5.6.3", $"cannot convert the 8-bit message to 7-bit for {Peer}: {e.Message}"));
            return null;
        }
    }

    /// <summary>RFC 5321 §4.1.1.2 with SIZE (RFC 1870), BODY (RFC 6152) and SMTPUTF8 (RFC 6531), each only when the
    /// server announced it.</summary>
    static string MailFrom(Mailbox? sender, BodyPlan plan, ServerExtensions server, bool smtputf8)
    {
        var mail = new StringBuilder("MAIL FROM:<").Append(sender?.ToString()).Append('>');
        if (server.Has(ServerCapabilities.Size))
            mail.Append(" SIZE=").Append(plan.Size);
        if (plan.EightBit)
            mail.Append(" BODY=8BITMIME");
        if (smtputf8)
            mail.Append(" SMTPUTF8");
        return mail.ToString();
    }

    static bool NeedsSmtpUtf8(MessageTransaction message) =>
        message.Sender is { } sender && !Ascii.IsValid(sender.LocalPart)
        || message.Recipients.Any(r => !Ascii.IsValid(r.LocalPart));

    static void Fill(DeliveryResult?[] results, DeliveryResult result)
    {
        for (int i = 0; i < results.Length; i++)
            results[i] ??= result;
    }
}
