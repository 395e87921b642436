using System.Text.RegularExpressions;
using System.Collections.Immutable;
using Postmaster.Delivery;
using Postmaster.Mail;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;

namespace Postmaster.Queue;

// Bounces and delay warnings: RFC 3464 DSNs queued as new messages with the null sender (DESIGN.md §4).
public sealed partial class QueueRunner
{
    /// <summary>Tells the sender about recipients an administrator gave up on (<c>spool bounce</c>).</summary>
    public Task SendFailureNoticeAsync(Envelope original, IReadOnlyList<EnvelopeRecipient> failed, CancellationToken cancellationToken) =>
        SendNoticeAsync(DsnKind.Failure, original, failed, _config(), _time.GetUtcNow(), cancellationToken);

    async Task SendNoticeAsync(DsnKind kind, Envelope original, IReadOnlyList<EnvelopeRecipient> recipients,
        RunnerConfig config, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string hostname = config.Settings.Hostname;
        string id = original.Id.ToString();
        Mailbox postmaster = Mailbox.Parse($"postmaster@{hostname}");
        Mailbox to;
        if (original.Sender is { } sender)
            to = sender;
        else if (kind == DsnKind.Delay)
        {
            return;   // nobody waits for a bounce to arrive: no warnings about notices
        }
        else if (recipients.All(r => r.OriginalRecipient.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase)))
        {
            // A notice to the postmaster failed: telling the postmaster again could only loop.
            QueueLog.NoticeDropped(_log, id, "a notice to the postmaster failed; not notifying again");
            return;
        }
        else
            to = postmaster;   // never bounce a null-sender message: a double bounce goes to the postmaster

        Resolution route = config.Resolver.Resolve(to);
        if (!route.Succeeded)
        {
            QueueLog.NoticeDropped(_log, id, $"no route to <{to}>: {route.Failure!.Message}");
            return;
        }

        await using IncomingMessage notice = _spool.Create();
        await using (Stream message = _spool.OpenMessage(original.Id))
        {
            TimeSpan? retryFor = kind == DsnKind.Delay ? original.Received + config.Settings.QueueLifetime - now : null;
            DsnBuilder.Write(notice.Body, kind, hostname, to, original, [.. recipients.Select(ToDsn)], message, now, retryFor);
        }
        long size = notice.Body.Position;
        var envelope = new Envelope(notice.Id, now, null, new ClientInfo("local", null, hostname, "local", null), size,
            BodyType.EightBitMime, EnvelopeRecipients.From([(to, route)]));
        await _spool.CommitAsync(notice, envelope, cancellationToken);
        QueueLog.NoticeQueued(_log, id, kind == DsnKind.Delay ? "delay" : "failure", notice.Id.ToString(), to.ToString(), recipients.Count);
        Notify(notice.Id);
    }

    /// <summary>"5.1.1 text" as stored in the envelope → status and diagnostic.</summary>
    static DsnRecipient ToDsn(EnvelopeRecipient recipient)
    {
        string error = recipient.LastError ?? "";
        int space = error.IndexOf(' ');
        string head = space > 0 ? error[..space] : error;
        bool hasStatus = head.Length >= 5 && char.IsAsciiDigit(head[0]) && head[1] == '.' && head.Count(c => c == '.') == 2;
        string status = hasStatus ? head : recipient.State == DeliveryState.Pending ? "4.0.0" : "5.0.0";
        string diagnostic = hasStatus ? error[(space + 1)..] : error.Length > 0 ? error : "not delivered";
        if (recipient.State == DeliveryState.Failed && status[0] == '4')
            status = "5" + status[1..];   // a deferral that ran out of time is a failure now (RFC 3463 4.4.7 → 5.4.7)
        // The relay mailer writes a remote reply as "mx.example.net[192.0.2.1]:25: 550 5.1.1 ...": in the report
        // that is Remote-MTA: dns; mx.example.net and Diagnostic-Code: smtp; 550 5.1.1 ... (RFC 3464 §2.3.5, §2.3.6).
        string? remote = null;
        if (RemoteReply().Match(diagnostic) is { Success: true } match)
            (remote, diagnostic) = (match.Groups["host"].Value, match.Groups["reply"].Value);
        return new DsnRecipient(recipient.Recipient, recipient.OriginalRecipient, status, diagnostic, remote, recipient.DoneAt);
    }

    [GeneratedRegex(@"^(?<host>[^\s\[\]]+)\[[^\s\]]+\]:[0-9]{1,5}: (?<reply>[2-5][0-9][0-9]([ -].*)?)$")]
    private static partial Regex RemoteReply();
}
