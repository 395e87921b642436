using Microsoft.Extensions.Logging;
using Postmaster.Dns;
using Postmaster.Spool;

namespace Postmaster.Smtp.Server;

/// <summary>What every session of one daemon shares: the current configuration, the spool, DNS, time,
/// the log, and the two stop signals of a shutdown.</summary>
internal sealed class SmtpServerContext(
    ServerSnapshot snapshot, SpoolDirectory spool, DnsResolver dns, TimeProvider time, ILogger log,
    SessionTimeouts timeouts)
{
    volatile ServerSnapshot _current = snapshot;
    readonly CancellationTokenSource _softStop = new(), _hardStop = new();
    long _nextSession;

    /// <summary>Swapped whole on reload (SIGHUP).</summary>
    public ServerSnapshot Current
    {
        get => _current;
        set => _current = value;
    }

    public SpoolDirectory Spool { get; } = spool;
    public DnsResolver Dns { get; } = dns;
    public TimeProvider Time { get; } = time;
    public ILogger Log { get; } = log;
    public SessionTimeouts Timeouts { get; } = timeouts;

    /// <summary>Called after each commit, so the queue runner can deliver at once.</summary>
    public Action<QueueId> Queued { get; init; } = _ => { };

    /// <summary>Shutdown has begun: sessions outside a transaction close now.</summary>
    public CancellationToken SoftStop => _softStop.Token;

    /// <summary>The grace period is over: every session closes now.</summary>
    public CancellationToken HardStop => _hardStop.Token;

    public string NextSessionId() => Interlocked.Increment(ref _nextSession).ToString("x");

    public void BeginShutdown() => _softStop.Cancel();

    public void EndGracePeriod()
    {
        _softStop.Cancel();
        _hardStop.Cancel();
    }
}
