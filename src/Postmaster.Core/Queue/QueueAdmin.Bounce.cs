using Postmaster.Spool;

namespace Postmaster.Queue;

// spool bounce: give up on a message now and tell the sender.
public sealed partial class QueueAdmin
{
    /// <summary>Queues the RFC 3464 failure notice for <paramref name="failed"/>, recipients of
    /// <paramref name="original"/> that have just failed (the queue runner's bounce, with its null-sender and
    /// double-bounce rules).</summary>
    public delegate Task FailureNotice(Envelope original, IReadOnlyList<EnvelopeRecipient> failed, CancellationToken cancellationToken);

    /// <summary>Fails every pending recipient with <see cref="BounceReason"/>, under the message's lock.</summary>
    /// <param name="notice">When given, the notice is queued first and the message removed after it: a crash in
    /// between repeats the notice, never loses it. Without it, the failed recipients are written back and the
    /// message made due, for the queue runner to finish.</param>
    public Task<QueueAdminResult> BounceAsync(QueueId id, FailureNotice? notice, CancellationToken cancellationToken) =>
        ChangeAsync(id, async envelope =>
        {
            DateTimeOffset now = time.GetUtcNow();
            EnvelopeRecipient[] after = [.. envelope.Recipients.Select(r => r.State != DeliveryState.Pending ? r
                : r with { State = DeliveryState.Failed, DoneAt = now, LastError = BounceReason })];
            EnvelopeRecipient[] failed = [.. after.Where((_, i) => envelope.Recipients[i].State == DeliveryState.Pending)];
            string failedList = string.Join(",", failed.Select(r => $"<{r.Recipient}>"));

            if (notice is not null)
            {
                if (failed.Length > 0)
                    await notice(envelope, failed, cancellationToken);
                spool.Remove(id);
            }
            else
                await spool.RewriteEnvelopeAsync(envelope with { Recipients = [.. after], NextAttempt = now }, cancellationToken);
            QueueAdminLog.Bounced(log, id.ToString(), actor, envelope.Sender?.ToString() ?? "", failed.Length, failedList);
        });
}
