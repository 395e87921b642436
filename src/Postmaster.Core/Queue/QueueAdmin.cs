using Microsoft.Extensions.Logging;
using Postmaster.Spool;

namespace Postmaster.Queue;

/// <summary>The queue commands of DESIGN.md §1 (<c>spool list|show|retry|delete|bounce</c>), safe while the daemon
/// runs: every change is made under the message's <see cref="MessageLock"/>, the one the queue runners take,
/// through the spool's atomic envelope rewrite, and logged with the queue id and who made it.</summary>
/// <param name="actor">Who asks, for the log: <c>uid=0(root)</c>, with <c>sudo=alice</c> when known.</param>
public sealed partial class QueueAdmin(SpoolDirectory spool, TimeProvider time, ILogger log, string actor)
{
    /// <summary>Why a recipient fails when the administrator gives up on the message (RFC 3463 5.0.0).</summary>
    public const string BounceReason = "5.0.0 returned by the administrator";

    /// <summary>Every queued message, oldest first. A message removed meanwhile is left out.</summary>
    public IReadOnlyList<Envelope> List()
    {
        var envelopes = new List<Envelope>();
        foreach (QueueId id in spool.List())
        {
            if (spool.ReadEnvelope(id) is { } envelope)
                envelopes.Add(envelope);
        }
        return envelopes;
    }

    /// <summary>The envelope of one message; null when it is not in the queue.</summary>
    public Envelope? Find(QueueId id) => spool.ReadEnvelope(id);

    /// <summary>The message's content, for reading (<c>spool show</c>).</summary>
    public Stream OpenMessage(QueueId id) => spool.OpenMessage(id);

    /// <summary>Makes the message due now; the daemon's runner takes it at its next scan
    /// (<see cref="QueueRunner.ScanInterval"/>), <c>spool run</c> at once.</summary>
    public Task<QueueAdminResult> RetryAsync(QueueId id, CancellationToken cancellationToken) =>
        ChangeAsync(id, async envelope =>
        {
            await spool.RewriteEnvelopeAsync(envelope with { NextAttempt = time.GetUtcNow() }, cancellationToken);
            QueueAdminLog.Retried(log, id.ToString(), actor, Pending(envelope));
        });

    /// <summary><see cref="RetryAsync"/> for every message; returns the ids that were being delivered (busy).</summary>
    public async Task<(int Retried, IReadOnlyList<QueueId> Busy)> RetryAllAsync(CancellationToken cancellationToken)
    {
        int retried = 0;
        var busy = new List<QueueId>();
        foreach (QueueId id in spool.List())
        {
            switch (await RetryAsync(id, cancellationToken))
            {
                case QueueAdminResult.Done:
                    retried++;
                    break;
                case QueueAdminResult.Busy:
                    busy.Add(id);
                    break;
            }
        }
        return (retried, busy);
    }

    /// <summary>Removes the message; no notice to anyone.</summary>
    public Task<QueueAdminResult> DeleteAsync(QueueId id, CancellationToken cancellationToken) =>
        ChangeAsync(id, envelope =>
        {
            spool.Remove(id);
            QueueAdminLog.Deleted(log, id.ToString(), actor, envelope.Sender?.ToString() ?? "", Pending(envelope), Recipients(envelope));
            return Task.CompletedTask;
        });

    /// <summary>Takes the lock, reads the envelope under it, and applies <paramref name="change"/>.</summary>
    async Task<QueueAdminResult> ChangeAsync(QueueId id, Func<Envelope, Task> change)
    {
        using MessageLock? held = MessageLock.TryAcquire(spool, id);
        if (held is null)
            return File.Exists(spool.MessagePath(id)) ? QueueAdminResult.Busy : QueueAdminResult.NotFound;
        Envelope? envelope = spool.ReadEnvelope(id);    // what the last runner left, now that nobody else can change it
        if (envelope is null)
            return QueueAdminResult.NotFound;
        await change(envelope);
        return QueueAdminResult.Done;
    }

    static int Pending(Envelope envelope) => envelope.Recipients.Count(r => r.State == DeliveryState.Pending);

    static string Recipients(Envelope envelope) =>
        string.Join(",", envelope.Recipients.Where(r => r.State == DeliveryState.Pending).Select(r => $"<{r.Recipient}>"));
}
