using System.Collections.Immutable;
using Postmaster.Delivery;
using Postmaster.Platform;
using Postmaster.Routing;
using Postmaster.Spool;

namespace Postmaster.Queue;

/// <summary>Hands each delivery to the mailer its target names: maildir, mbox and pipe to the local delivery
/// process (as the recipient's system user where there is one), relay to the SMTP client.</summary>
public sealed class MailerDispatch(LocalDeliveryProcess local, IUserDatabase users, RelayMailer? relay = null) : IDeliveryAgent
{
    public async Task<ImmutableArray<DeliveryResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        if (job.Mailer is Target.Relay target)
        {
            // Without a relay mailer (a queue command that only writes notices) relayed mail waits in the queue.
            return relay is null
                ? [.. job.Recipients.Select(_ => DeliveryResult.Deferred("4.3.0", "relay delivery is not available here"))]
                : await relay.DeliverAsync(target, job.Envelope, job.Recipients, job.MessagePath, cancellationToken);
        }
        var results = ImmutableArray.CreateBuilder<DeliveryResult>(job.Recipients.Length);
        foreach (EnvelopeRecipient recipient in job.Recipients)
            results.Add(await DeliverLocallyAsync(job, recipient, cancellationToken));
        return results.MoveToImmutable();
    }

    Task<DeliveryResult> DeliverLocallyAsync(DeliveryJob job, EnvelopeRecipient recipient, CancellationToken cancellationToken)
    {
        var envelope = DeliveryEnvelope.From(job.Envelope, recipient);
        string? user = SystemUserOf(recipient);
        return job.Mailer switch
        {
            // A mailbox written as the daemon's own user needs no other process: no change of user, no command
            // to contain. This is most mail of a virtual-domain setup; a process per message costs more than the write.
            Target.Maildir { Path: var path } when user is null && Path.IsPathFullyQualified(path) =>
                InProcessAsync(new MaildirWriter(path, groupCommit: true), job, envelope, cancellationToken),
            Target.Mbox { Path: var path } when user is null && Path.IsPathFullyQualified(path) =>
                InProcessAsync(new MboxWriter(path), job, envelope, cancellationToken),
            Target.Maildir or Target.Mbox or Target.Pipe =>
                local.DeliverAsync(job.MessagePath, job.Mailer, user, envelope, cancellationToken),
            _ => Task.FromResult(DeliveryResult.Deferred("4.3.5", $"no mailer for {job.Mailer}")),
        };
    }

    static async Task<DeliveryResult> InProcessAsync(ILocalMailer mailer, DeliveryJob job, DeliveryEnvelope envelope,
        CancellationToken cancellationToken)
    {
        FileStream message;
        try
        {
            message = new FileStream(job.MessagePath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DeliveryResult.Deferred("4.3.0", $"cannot read {job.MessagePath}: {e.Message}");
        }
        await using (message)
            return await mailer.DeliverAsync(message, envelope, cancellationToken);
    }

    /// <summary>A local user's delivery runs as that user when the system knows them (DESIGN.md §4);
    /// path targets and virtual users run as the daemon's user.</summary>
    string? SystemUserOf(EnvelopeRecipient recipient) =>
        recipient.LocalUser is { } name && users.Find(name) is { } user ? user.Name : null;
}
