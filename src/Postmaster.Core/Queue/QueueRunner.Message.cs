using System.Collections.Immutable;
using Postmaster.Config;
using Postmaster.Delivery;
using Postmaster.Routing;
using Postmaster.Spool;

namespace Postmaster.Queue;

// One attempt at one message: lock, deliver every pending recipient, send the notices the outcome calls for,
// then remove the message or write its new state.
public sealed partial class QueueRunner
{
    internal async Task<MessageOutcome> ProcessAsync(QueueId id, CancellationToken cancellationToken)
    {
        using MessageLock? held = MessageLock.TryAcquire(_spool, id);
        if (held is null)
        {
            if (!File.Exists(_spool.MessagePath(id)))
                return MessageOutcome.Gone;
            QueueLog.Busy(_log, id.ToString());
            return MessageOutcome.Busy;
        }
        Envelope? envelope = _spool.ReadEnvelope(id);   // read under the lock: the state another runner left
        if (envelope is null)
            return MessageOutcome.Gone;
        DateTimeOffset now = _time.GetUtcNow();
        if (envelope.NextAttempt is { } due && due > now)
            return new MessageOutcome(MessageOutcomeKind.NotDue, due);

        try
        {
            return await AttemptAsync(envelope, now, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Our own trouble (disk full, permissions): the message stays as it was and is tried again.
            QueueLog.ProcessingFailed(_log, id.ToString(), e.Message);
            return new MessageOutcome(MessageOutcomeKind.Processed, now + TimeSpan.FromMinutes(5));
        }
    }

    async Task<MessageOutcome> AttemptAsync(Envelope envelope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        RunnerConfig config = _config();
        Settings settings = config.Settings;
        int attempts = envelope.Attempts + 1;
        ImmutableArray<EnvelopeRecipient> before = envelope.Recipients;
        EnvelopeRecipient[] after = [.. before];
        try
        {
            await Task.WhenAll(PlanJobs(before).Select(job => RunJobAsync(envelope, job, after, attempts, cancellationToken)));
        }
        catch (OperationCanceledException) when (!after.SequenceEqual(before))
        {
            // Shutdown during delivery: WhenAll has let every job end, so keep what the finished ones settled;
            // otherwise those recipients (a whole relay transaction) would be delivered again after the restart.
            await _spool.RewriteEnvelopeAsync(envelope with { Recipients = [.. after] }, CancellationToken.None);
            throw;
        }

        // RFC 5321 §4.5.4.1: give up after the queue lifetime; what is still pending has failed.
        bool expired = now - envelope.Received >= settings.QueueLifetime;
        if (expired)
        {
            for (int i = 0; i < after.Length; i++)
            {
                if (after[i].State == DeliveryState.Pending)
                    after[i] = after[i] with
                    {
                        State = DeliveryState.Failed, DoneAt = now,
                        LastError = $"4.4.7 message expired after {SettingsFormat.Duration(settings.QueueLifetime)}: {after[i].LastError ?? "not delivered"}",
                    };
            }
        }

        var failedNow = after.Where((r, i) => r.State == DeliveryState.Failed && before[i].State != DeliveryState.Failed).ToList();
        if (failedNow.Count > 0)
            await SendNoticeAsync(DsnKind.Failure, envelope, failedNow, config, now, cancellationToken);

        int delivered = after.Count(r => r.State == DeliveryState.Delivered) - before.Count(r => r.State == DeliveryState.Delivered);
        int pending = after.Count(r => r.State == DeliveryState.Pending);
        if (pending == 0)
        {
            _spool.Remove(envelope.Id);
            QueueLog.Completed(_log, envelope.Id.ToString(), after.Length);
            return new MessageOutcome(MessageOutcomeKind.Processed, null, delivered, 0, failedNow.Count);
        }

        bool warn = !envelope.DelayWarningSent && settings.DelayWarning is { } delay && now - envelope.Received >= delay;
        if (warn)
            await SendNoticeAsync(DsnKind.Delay, envelope, [.. after.Where(r => r.State == DeliveryState.Pending)], config, now, cancellationToken);

        DateTimeOffset next = new RetrySchedule(settings.Retry, _random).Next(now, attempts);
        Envelope updated = envelope with
        {
            Recipients = [.. after],
            Attempts = attempts,
            NextAttempt = next,
            LastError = after.Where(r => r.State == DeliveryState.Pending).Select(r => r.LastError).FirstOrDefault(e => e is not null),
            DelayWarningSent = envelope.DelayWarningSent || warn,
        };
        await _spool.RewriteEnvelopeAsync(updated, cancellationToken);
        QueueLog.Rescheduled(_log, envelope.Id.ToString(), next, pending);
        return new MessageOutcome(MessageOutcomeKind.Processed, next, delivered, pending, failedNow.Count);
    }

    /// <summary>The pending recipients at <paramref name="indexes"/>, for one mailer (null when the envelope's mailer
    /// text cannot be read, <paramref name="Problem"/> says why) and counted against <paramref name="Destination"/>.</summary>
    sealed record PlannedJob(List<int> Indexes, Target? Mailer, string? Problem, string Destination, int Limit);

    /// <summary>One job per pending recipient, except that recipients of the same relay destination (the same
    /// target and, for MX delivery, the same domain) share one: they go in one SMTP transaction.</summary>
    static List<PlannedJob> PlanJobs(ImmutableArray<EnvelopeRecipient> recipients)
    {
        var jobs = new List<PlannedJob>();
        var relayed = new Dictionary<string, PlannedJob>(StringComparer.Ordinal);
        var parsed = new Dictionary<string, (Target? Target, string? Problem)>(StringComparer.Ordinal);
        for (int i = 0; i < recipients.Length; i++)
        {
            EnvelopeRecipient recipient = recipients[i];
            if (recipient.State != DeliveryState.Pending)
                continue;
            if (!parsed.TryGetValue(recipient.Mailer, out var mailer))
            {
                parsed[recipient.Mailer] = mailer = TargetText.TryParse(recipient.Mailer, out Target? target, out string? problem)
                    ? (target, null) : (null, problem);
            }
            if (mailer.Target is Target.Relay relay)
            {
                string destination = relay.UsesMx ? $"{recipient.Mailer} {recipient.Recipient.Domain.ToLowerInvariant()}" : recipient.Mailer;
                if (relayed.TryGetValue(destination, out PlannedJob? job))
                    job.Indexes.Add(i);
                else
                    jobs.Add(relayed[destination] = new PlannedJob([i], relay, null, destination, MaxPerRelayDestination));
            }
            else
            {
                // A Maildir takes any number of deliveries at once (unique names, no locks).
                int limit = mailer.Target is Target.Maildir ? MaxDeliveries : MaxPerDestination;
                jobs.Add(new PlannedJob([i], mailer.Target, mailer.Problem, recipient.Mailer, limit));
            }
        }
        return jobs;
    }

    /// <summary>One job, within the overall and per-destination limits; writes the recipients' new states into
    /// <paramref name="after"/>.</summary>
    async Task RunJobAsync(Envelope envelope, PlannedJob job, EnvelopeRecipient[] after, int attempts, CancellationToken cancellationToken)
    {
        ImmutableArray<EnvelopeRecipient> recipients = [.. job.Indexes.Select(i => envelope.Recipients[i])];
        ImmutableArray<DeliveryResult> results;
        if (job.Mailer is null)
        {
            DeliveryResult unreadable = DeliveryResult.Deferred("4.3.5", $"unreadable mailer \"{recipients[0].Mailer}\": {job.Problem}");
            results = [.. recipients.Select(_ => unreadable)];
        }
        else
        {
            using IDisposable place = await _limits.EnterAsync(job.Destination, job.Limit, cancellationToken);
            try
            {
                results = await _agent.DeliverAsync(new DeliveryJob(envelope, recipients, job.Mailer, _spool.MessagePath(envelope.Id)), cancellationToken);
                if (results.Length != recipients.Length)
                    throw new InvalidOperationException($"{results.Length} results for {recipients.Length} recipients");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug in a mailer must not lose the message: defer, log, go on.
                foreach (EnvelopeRecipient recipient in recipients)
                    QueueLog.AgentFailed(_log, envelope.Id.ToString(), recipient.Recipient.ToString(), e.Message);
                DeliveryResult failed = DeliveryResult.Deferred("4.3.0", "internal error in the mailer");
                results = [.. recipients.Select(_ => failed)];
            }
        }

        DateTimeOffset now = _time.GetUtcNow();
        for (int j = 0; j < recipients.Length; j++)
            after[job.Indexes[j]] = Record(envelope, recipients[j], results[j], attempts, now);
    }

    /// <summary>Logs one recipient's outcome and returns its new state.</summary>
    EnvelopeRecipient Record(Envelope envelope, EnvelopeRecipient recipient, DeliveryResult result, int attempts, DateTimeOffset now)
    {
        QueueLog.Delivery(_log, envelope.Id.ToString(), recipient.Recipient.ToString(), recipient.OriginalRecipient.ToString(),
            recipient.Mailer, result.Outcome.ToString().ToLowerInvariant(), result.Status,
            (long)(now - envelope.Received).TotalSeconds, attempts, result.Diagnostic);
        return result.Outcome switch
        {
            DeliveryOutcome.Delivered => recipient with { State = DeliveryState.Delivered, DoneAt = now, LastError = null },
            DeliveryOutcome.Failed => recipient with { State = DeliveryState.Failed, DoneAt = now, LastError = $"{result.Status} {result.Diagnostic}" },
            _ => recipient with { LastError = $"{result.Status} {result.Diagnostic}" },
        };
    }
}
