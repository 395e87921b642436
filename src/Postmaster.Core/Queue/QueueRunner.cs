using Microsoft.Extensions.Logging;
using Postmaster.Spool;

namespace Postmaster.Queue;

/// <summary>Delivers what the spool holds: in the daemon as a loop that takes new messages at once and
/// deferred ones when due, and for <c>postmaster spool run</c> as one pass (DESIGN.md §1, §4).</summary>
/// <remarks>One loop, not a task per message (Postfix's bounded active queue): a schedule of next attempts in
/// memory, rebuilt from the envelopes every <see cref="ScanInterval"/> so changes made by other processes
/// (<c>spool retry</c>, a cron run, <c>sendmail</c>) are seen.</remarks>
public sealed partial class QueueRunner
{
    /// <summary>Deliveries at once: overall; to one local destination (an mbox file or a command; a Maildir takes
    /// up to the overall limit); to one relay destination (a list of smart hosts, or one recipient domain's MX
    /// hosts). A relay delivery uses one SMTP connection at a time, and the connection pool allows as many per next
    /// hop (Postfix's default_destination_concurrency_limit is 20 too).</summary>
    public const int MaxDeliveries = 50, MaxPerDestination = 4, MaxPerRelayDestination = 20;

    public static readonly TimeSpan ScanInterval = TimeSpan.FromMinutes(1);

    readonly SpoolDirectory _spool;
    readonly IDeliveryAgent _agent;
    readonly Func<RunnerConfig> _config;
    readonly TimeProvider _time;
    readonly ILogger _log;
    readonly Random _random;
    readonly DeliveryLimits _limits = new(MaxDeliveries);
    readonly Dictionary<QueueId, DateTimeOffset> _schedule = [];
    readonly HashSet<QueueId> _running = [];
    readonly SemaphoreSlim _wakeup = new(0);

    public QueueRunner(SpoolDirectory spool, IDeliveryAgent agent, Func<RunnerConfig> config, TimeProvider time,
        ILogger log, Random? random = null)
    {
        _spool = spool;
        _agent = agent;
        _config = config;
        _time = time;
        _log = log;
        _random = random ?? Random.Shared;
    }

    /// <summary>A message was just committed: try it now rather than at the next scan.</summary>
    public void Notify(QueueId id)
    {
        lock (_schedule)
            _schedule[id] = DateTimeOffset.MinValue;
        _wakeup.Release();
    }

    /// <summary><c>spool run</c>: every message that is due, once; waits for all of them.</summary>
    public async Task<PassSummary> RunOnceAsync(CancellationToken cancellationToken)
    {
        var summary = new PassSummary();
        var work = new List<Task>();
        foreach (QueueId id in _spool.List())
            work.Add(ProcessCountingAsync(id, summary, cancellationToken));
        await Task.WhenAll(work);
        QueueLog.PassDone(_log, summary.Messages, summary.Delivered, summary.Deferred, summary.Failed, summary.Busy);
        return summary;
    }

    async Task ProcessCountingAsync(QueueId id, PassSummary summary, CancellationToken cancellationToken)
    {
        MessageOutcome outcome = await ProcessAsync(id, cancellationToken);
        summary.Add(outcome);
    }

    /// <summary>The daemon's runner: until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset nextScan = DateTimeOffset.MinValue;
        var active = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            DateTimeOffset now = _time.GetUtcNow();
            try
            {
                if (now >= nextScan)
                {
                    Rescan();
                    nextScan = now + ScanInterval;
                }
                // A stop ends the loop, not the deliveries under way: they finish (each has its own time limit)
                // and record what they did, so a restart does not deliver them again.
                foreach (QueueId id in TakeDue(now))
                    active.Add(RunScheduledAsync(id, CancellationToken.None));
                active.RemoveAll(t => t.IsCompleted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The runner must outlive any one bad moment (a file vanishing under a scan, say).
                QueueLog.ProcessingFailed(_log, "runner", $"{e.GetType().Name}: {e.Message}");
                nextScan = now + TimeSpan.FromSeconds(5);
            }

            TimeSpan wait = Until(NextDue() is { } due && due < nextScan ? due : nextScan, now);
            await SleepAsync(wait, cancellationToken);
        }
        await Task.WhenAll(active);   // deliveries in flight finish (their children have their own limits)
    }

    /// <summary>Until <paramref name="wait"/> has passed (by the runner's clock) or someone calls <see cref="Notify"/>.</summary>
    async Task SleepAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task woken = _wakeup.WaitAsync(either.Token);
        Task slept = Task.Delay(wait, _time, either.Token);
        await Task.WhenAny(woken, slept);
        either.Cancel();
        try
        {
            await Task.WhenAll(woken, slept);
        }
        catch (OperationCanceledException)
        {
        }
    }

    async Task RunScheduledAsync(QueueId id, CancellationToken cancellationToken)
    {
        MessageOutcome outcome;
        try
        {
            outcome = await ProcessAsync(id, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            QueueLog.ProcessingFailed(_log, id.ToString(), $"{e.GetType().Name}: {e.Message}");
            outcome = new MessageOutcome(MessageOutcomeKind.Processed, _time.GetUtcNow() + TimeSpan.FromMinutes(1));
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lock (_schedule)
        {
            _running.Remove(id);
            if (outcome.NextAttempt is { } next)
                _schedule[id] = next;
            else if (outcome.Kind != MessageOutcomeKind.Busy)
                _schedule.Remove(id);
        }
        _wakeup.Release();
    }

    /// <summary>Reads every envelope's next attempt; messages another process finished drop out.</summary>
    /// <remarks>Merged into the schedule rather than replacing it: a message committed (and notified) while the
    /// scan was reading envelopes must not wait for the next scan.</remarks>
    void Rescan()
    {
        var found = new Dictionary<QueueId, DateTimeOffset>();
        foreach (QueueId id in _spool.List())
        {
            lock (_schedule)
            {
                if (_running.Contains(id) || _schedule.TryGetValue(id, out DateTimeOffset known) && known == DateTimeOffset.MinValue)
                    continue;   // running, or notified: what we know is newer than the file
            }
            if (_spool.ReadEnvelope(id) is { } envelope)
                found[id] = envelope.NextAttempt ?? DateTimeOffset.MinValue;
        }
        lock (_schedule)
        {
            foreach (QueueId id in _schedule.Keys.ToList())
            {
                if (!found.ContainsKey(id) && !File.Exists(_spool.MessagePath(id)))
                    _schedule.Remove(id);   // delivered or deleted by another process
            }
            foreach ((QueueId id, DateTimeOffset due) in found)
            {
                if (!_running.Contains(id) && !(_schedule.TryGetValue(id, out DateTimeOffset known) && known == DateTimeOffset.MinValue))
                    _schedule[id] = due;
            }
        }
    }

    List<QueueId> TakeDue(DateTimeOffset now)
    {
        var due = new List<QueueId>();
        lock (_schedule)
        {
            foreach ((QueueId id, DateTimeOffset when) in _schedule)
            {
                if (when <= now && _running.Add(id))
                    due.Add(id);
            }
            foreach (QueueId id in due)
                _schedule.Remove(id);
        }
        return due;
    }

    DateTimeOffset? NextDue()
    {
        lock (_schedule)
            return _schedule.Count == 0 ? null : _schedule.Values.Min();
    }

    static TimeSpan Until(DateTimeOffset when, DateTimeOffset now) =>
        when <= now ? TimeSpan.Zero : when - now > ScanInterval ? ScanInterval : when - now;
}
