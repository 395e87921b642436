using Postmaster.Delivery;
using Postmaster.Platform;
using Postmaster.Routing;

namespace Postmaster.Queue;

/// <summary>Hands each delivery to the mailer its target names: maildir, mbox and pipe to the local delivery
/// process (as the recipient's system user where there is one), relay to the SMTP client.</summary>
public sealed class MailerDispatch(LocalDeliveryProcess local, IUserDatabase users) : IDeliveryAgent
{
    public Task<DeliveryResult> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var envelope = DeliveryEnvelope.From(job.Envelope, job.Recipient);
        return job.Mailer switch
        {
            Target.Maildir or Target.Mbox or Target.Pipe =>
                local.DeliverAsync(job.MessagePath, job.Mailer, SystemUserOf(job), envelope, cancellationToken),
            // The SMTP client is not in this version: relayed mail waits in the queue (and bounces after
            // queue-lifetime) rather than being lost or refused.
            Target.Relay => Task.FromResult(DeliveryResult.Deferred("4.3.0", "relay delivery is not available in this version of Postmaster")),
            _ => Task.FromResult(DeliveryResult.Deferred("4.3.5", $"no mailer for {job.Mailer}")),
        };
    }

    /// <summary>A local user's delivery runs as that user when the system knows them (DESIGN.md §4);
    /// path targets and virtual users run as the daemon's user.</summary>
    string? SystemUserOf(DeliveryJob job) =>
        job.Recipient.LocalUser is { } name && users.Find(name) is { } user ? user.Name : null;
}
