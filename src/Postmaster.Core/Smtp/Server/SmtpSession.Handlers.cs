using System.Net;
using Postmaster.Mail;
using Postmaster.Policy;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Server;

// The command handlers: check the arguments, then apply the change and move the state; each returns the
// reply, and only the loop writes it (STYLE.md §3.3).
internal sealed partial class SmtpSession
{
    async ValueTask<Reply> DispatchAsync(CommandRow row, string arguments, bool unreadInput)
    {
        _commands++;
        if (row.Verb == Verb.Http)
        {
            _endReason = "http-request";   // a cross-protocol attack, or a browser pointed at port 25
            return Replies.UnknownCommand.WithAction(SessionAction.Close);
        }
        if (row.Verb == Verb.Unknown)
            return Replies.UnknownCommand;
        if ((row.AllowedIn & _state) == 0)
            return WrongState(row.Verb);

        return row.Verb switch
        {
            Verb.Ehlo => await OnHelloAsync(arguments, extended: true),
            Verb.Helo => await OnHelloAsync(arguments, extended: false),
            Verb.Mail => await OnMailAsync(arguments),
            Verb.Rcpt => await OnRcptAsync(arguments),
            Verb.Data => arguments.Length > 0 ? Replies.SyntaxError("DATA takes no arguments") : Replies.StartData,
            Verb.Rset => await OnRsetAsync(),
            Verb.Noop => Replies.Ok,
            Verb.Quit => Quit(),
            Verb.StartTls => OnStartTls(arguments, unreadInput),
            Verb.Vrfy => OnVrfy(arguments),
            _ => Replies.NotImplemented,
        };
    }

    Reply Quit()
    {
        _endReason = "quit";
        return Replies.Bye;
    }

    Reply WrongState(Verb verb) => _state == SessionState.Connected ? Replies.NeedHelo : verb switch
    {
        Verb.Mail => Replies.NestedMail,
        Verb.Rcpt => Replies.NeedMail,
        Verb.Data when _state == SessionState.MailGiven => Replies.NeedRcpt,
        Verb.Data => Replies.NeedMail,
        _ => Replies.BadSequence,
    };

    /// <summary>HELO/EHLO: greets, and like RSET ends any transaction (RFC 5321 §4.1.4).</summary>
    async ValueTask<Reply> OnHelloAsync(string arguments, bool extended)
    {
        string greeting = arguments.Trim();
        if (greeting.Length == 0 || greeting.Contains(' '))
            return Replies.BadHelo;
        await AbandonTransactionAsync();
        string? previous = _helo;
        _helo = greeting;
        if (await AskPoliciesAsync(_snapshot, PolicyStage.Helo) is { } refusal)
        {
            _helo = previous;
            return refusal;
        }
        _esmtp = extended;
        _state = SessionState.Greeted;
        if (!extended)
            return new Reply(250, "", _snapshot.Settings.Hostname);

        var extensions = new List<string> { "PIPELINING", "8BITMIME", $"SIZE {_snapshot.Settings.MaxMessageSize}" };
        if (_transport.TlsDescription is null && _snapshot.TlsContext is not null)
            extensions.Add("STARTTLS");
        extensions.Add("ENHANCEDSTATUSCODES");
        return Replies.EhloReply(_snapshot.Settings.Hostname, greeting, extensions);
    }

    async ValueTask<Reply> OnMailAsync(string arguments)
    {
        if (!CommandParser.TryParseMail(arguments, out MailCommand? mail, out Reply error))
            return Rejected(error, arguments);
        _snapshot = _server.Current;   // a transaction sees one configuration from start to end
        long limit = _snapshot.Settings.MaxMessageSize;
        if (mail.Size > limit)
            return Rejected(Replies.SizeExceeded, arguments);
        // Room for what was announced, or for the largest message allowed, with half again to spare.
        if (_server.Spool.AvailableBytes() < (mail.Size ?? limit) * 3 / 2)
            return Rejected(Replies.InsufficientStorage, arguments);

        Spool.IncomingMessage message;
        try
        {
            message = _server.Spool.Create();
        }
        catch (IOException e)
        {
            SmtpServerLog.CommitFailed(_server.Log, "-", e.Message, _client);
            return Replies.LocalError;
        }
        _transaction = new Transaction(message, mail, _snapshot);
        if (await AskPoliciesAsync(_snapshot, PolicyStage.Mail) is { } refusal)
        {
            await AbandonTransactionAsync();
            return Rejected(refusal, arguments);
        }
        _state = SessionState.MailGiven;
        return Replies.SenderOk;
    }

    Reply Rejected(Reply reply, string sender)
    {
        SmtpServerLog.SenderRejected(_server.Log, _id, SmtpServerLog.Quoted(sender), reply.ToString(), _client);
        return reply;
    }

    async ValueTask<Reply> OnRcptAsync(string arguments)
    {
        Transaction transaction = _transaction!;
        string queueId = transaction.Message.Id.ToString();
        string sender = transaction.Sender?.ToString() ?? "";
        if (!CommandParser.TryParseRcpt(arguments, out RcptCommand? rcpt, out Reply error))
            return RejectRecipient(error, arguments, "syntax");
        if (transaction.Recipients.Count >= transaction.Snapshot.Settings.MaxRecipients)
            return RejectRecipient(Replies.TooManyRecipients, rcpt.Recipient?.ToString() ?? "postmaster", "too-many-recipients");

        // RFC 5321 §4.5.1: an unqualified <postmaster> is the postmaster of this host.
        Mailbox recipient = rcpt.Recipient ?? Mailbox.Parse($"postmaster@{transaction.Snapshot.Settings.Hostname}");
        Resolution resolution = transaction.Snapshot.Resolver.Resolve(recipient);
        if (resolution.Failure is { } failure)
        {
            Reply refusal = failure.Kind is ResolutionFailureKind.Loop or ResolutionFailureKind.TooDeep
                ? Replies.RoutingLoop : Replies.NoSuchUser;
            return RejectRecipient(refusal, recipient.ToString(), failure.Message);
        }
        if (resolution.NeedsTrustedClient && !IsTrusted(transaction.Snapshot))
            return RejectRecipient(Replies.RelayDenied, recipient.ToString(), "relaying for an untrusted client");
        if (await AskPoliciesAsync(transaction.Snapshot, PolicyStage.Rcpt, recipient, resolution) is { } policyRefusal)
            return RejectRecipient(policyRefusal, recipient.ToString(), "policy");

        transaction.Recipients.Add((recipient, resolution));
        _state = SessionState.RcptGiven;
        _recipients++;
        SmtpServerLog.RecipientAccepted(_server.Log, queueId, recipient.ToString(), sender,
            string.Join(", ", resolution.Targets.Select(t => t.Mailer.ToString())), _client);
        return Replies.RecipientOk;

        Reply RejectRecipient(Reply reply, string who, string reason)
        {
            SmtpServerLog.RecipientRejected(_server.Log, queueId, who, sender, reply.ToString(), SmtpServerLog.Quoted(reason), _client);
            return reply;
        }
    }

    /// <summary>VRFY: a refusal is binding, an acceptance is no promise (the design note; RFC 5321 §7.3).</summary>
    Reply OnVrfy(string arguments)
    {
        ServerSnapshot snapshot = _server.Current;
        if (!CommandParser.TryParseVrfy(arguments, snapshot.Settings.Hostname, out Mailbox? address, out Reply error))
            return error;
        Resolution resolution = snapshot.Resolver.Resolve(address);
        if (!resolution.Succeeded)
            return resolution.Failure!.Kind is ResolutionFailureKind.Loop or ResolutionFailureKind.TooDeep
                ? Replies.RoutingLoop : Replies.NoSuchUser;
        if (resolution.NeedsTrustedClient && !IsTrusted(snapshot))
            return Replies.RelayDenied;
        return Replies.CannotVrfy;
    }

    async ValueTask<Reply> OnRsetAsync()
    {
        await AbandonTransactionAsync();
        if (_state != SessionState.Connected)
            _state = SessionState.Greeted;
        return Replies.Ok;
    }

    Reply OnStartTls(string arguments, bool unreadInput)
    {
        if (arguments.Length > 0)
            return Replies.SyntaxError("STARTTLS takes no arguments");
        if (_transport.TlsDescription is not null)
            return Replies.AlreadyTls;
        if (_snapshot.TlsContext is null)
            return Replies.TlsNotAvailable;
        // RFC 3207 §4.2, CVE-2011-0411: nothing sent in plaintext after STARTTLS may be taken as if it came over TLS.
        if (unreadInput)
        {
            _endReason = "plaintext-after-starttls";
            return Replies.PipelinedAfterStartTls;
        }
        return Replies.ReadyForTls;
    }

    bool IsTrusted(ServerSnapshot snapshot)
    {
        if (_transport.IsLocal)
            return true;
        foreach (IPNetwork network in snapshot.Settings.TrustedNetworks)
        {
            if (network.Contains(_clientAddress))
                return true;
        }
        return false;
    }

    /// <summary>Ends the transaction without a message; disposing removes its uncommitted tmp file.</summary>
    async ValueTask AbandonTransactionAsync()
    {
        if (_transaction is null)
            return;
        await _transaction.DisposeAsync();
        _transaction = null;
    }
}
