using System.Collections.Immutable;
using Postmaster.Mail;
using Postmaster.Policy;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Server;

// The spam defences: at connect, HELO, MAIL, RCPT and the end of DATA the snapshot's policy chain may refuse
// what the protocol itself would accept. A refusal is only a reply; the state does not move.
internal sealed partial class SmtpSession
{
    /// <summary>Header fields from the connect stage and from the latest HELO/EHLO, added to every message of
    /// the session (a second EHLO, after STARTTLS say, replaces the first one's).</summary>
    ImmutableArray<string> _connectHeaders = [], _heloHeaders = [];

    /// <summary>Asks the policies about this stage; <c>null</c> when none refuses. Headers they add are kept
    /// for the message (or for the session, before MAIL).</summary>
    async ValueTask<Reply?> AskPoliciesAsync(ServerSnapshot snapshot, PolicyStage stage, Mailbox? recipient = null,
        Resolution? resolution = null, long? size = null)
    {
        PolicyChain chain = snapshot.Policies;
        if (!chain.Handles(stage))
            return null;
        Transaction? transaction = _transaction;
        var facts = new SessionFacts(stage, _id, _clientAddress, ReverseNameIfKnown(), _transport.IsLocal,
            IsTrusted(snapshot), _helo, Protocol, _transport.TlsDescription,
            QueueId: transaction?.Message.Id.ToString(),
            Sender: transaction?.Sender,
            HasSender: transaction is not null,
            Size: size ?? transaction?.AnnouncedSize,
            // At the end of DATA the only recipient, if there is just one, as Postfix tells its policy servers.
            Recipient: recipient ?? (stage == PolicyStage.Data && transaction?.Recipients.Count == 1 ? transaction.Recipients[0].Recipient : null),
            Resolution: resolution,
            RecipientCount: transaction?.Recipients.Count ?? 0);
        PolicyVerdict verdict = await chain.CheckAsync(facts, _server.Log, _client, _server.HardStop);
        ImmutableArray<string> headers = verdict.Headers.IsDefault ? [] : verdict.Headers;
        if (stage == PolicyStage.Connect)
            _connectHeaders = headers;
        else if (stage == PolicyStage.Helo && !verdict.Refuses)
            _heloHeaders = headers;
        else if (stage is PolicyStage.Mail or PolicyStage.Rcpt)   // at the end of DATA the message is written
            transaction?.PolicyHeaders.AddRange(headers);
        return verdict.Refuses ? verdict.Reply : null;
    }

    /// <summary>The reverse name if the lookup has finished, without waiting: policies are asked often.</summary>
    string? ReverseNameIfKnown() => _reverseName.IsCompletedSuccessfully ? _reverseName.Result : null;
}
