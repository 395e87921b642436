using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Logging;
using Postmaster.Mail;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;
using Postmaster.Smtp.Server;
using Postmaster.Spool;

namespace Postmaster.Submission;

/// <summary>Queues a message straight into the spool when the daemon is not running, the way the daemon
/// would have: recipients resolved by the same routing table, a Received: field, the same commit. The
/// daemon's queue runner (or <c>postmaster spool run</c>) delivers it at its next scan.</summary>
internal static class SpoolDrop
{
    /// <summary>On Linux an IOException's HResult is the errno; ENOSPC is 28.</summary>
    const int Enospc = 28;

    public static async Task<SubmissionResult> CommitAsync(SpoolDirectory spool, RouteResolver resolver, PreparedMessage message,
        Submitter submitter, string hostname, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        var resolutions = new List<(Mailbox, Resolution)>();
        var refused = new List<string>();
        foreach (Mailbox recipient in message.Recipients)
        {
            Resolution resolution = resolver.Resolve(recipient);
            if (resolution.Failure is { } failure)
            {
                Reply reply = failure.Kind is ResolutionFailureKind.Loop or ResolutionFailureKind.TooDeep
                    ? Replies.RoutingLoop : Replies.NoSuchUser;
                refused.Add($"<{recipient}>: {reply} ({failure.Message})");
            }
            else
                resolutions.Add((recipient, resolution));
        }
        if (refused.Count > 0)
            return SubmissionResult.Failed(SubmissionOutcome.RecipientRefused, [.. refused, "nothing was sent"]);

        try
        {
            await using IncomingMessage incoming = spool.Create();
            DateTimeOffset now = time.GetUtcNow();
            byte[] trace = Encoding.ASCII.GetBytes(Received(submitter, hostname, incoming.Id, now));
            await incoming.Body.WriteAsync(trace, cancellationToken);
            await message.Content.Rewind().CopyToAsync(incoming.Body, cancellationToken);
            long size = trace.Length + message.Content.Length;

            var client = new ClientInfo("local", null, submitter.UserName, "local", null);
            var envelope = new Envelope(incoming.Id, now, message.Sender, client, size,
                message.Content.EightBit ? BodyType.EightBitMime : BodyType.SevenBit, Routing.EnvelopeRecipients.From(resolutions));
            await spool.CommitAsync(incoming, envelope, cancellationToken);
            SubmissionLog.QueuedDirectly(log, incoming.Id.ToString(), message.Sender?.ToString() ?? "", envelope.Recipients.Length,
                size, submitter.Uid, submitter.UserName);
            return SubmissionResult.Queued(incoming.Id.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string problem = e is IOException { HResult: Enospc } ? $"the spool is full: {e.Message}" : $"cannot write the spool: {e.Message}";
            SubmissionLog.Failed(log, submitter.Uid, submitter.UserName, problem);
            return SubmissionResult.Failed(SubmissionOutcome.TemporaryFailure, problem);
        }
    }

    /// <summary>RFC 5321 §4.4 trace field for a local submission; the uid says who, as Postfix's pickup does.</summary>
    internal static string Received(Submitter submitter, string hostname, QueueId id, DateTimeOffset now) =>
        $"Received: from local (uid {submitter.Uid})\r\n\tby {hostname} (Postmaster) with local id {id};\r\n\t{ReceivedHeader.Date(now)}\r\n";
}
