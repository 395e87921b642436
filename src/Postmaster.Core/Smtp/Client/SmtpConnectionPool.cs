using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Postmaster.Smtp.Client;

/// <summary>Open SMTP connections to next hops, kept for the next message to the same hop (Postfix's connection
/// cache): a delivery borrows one with <see cref="AcquireAsync"/> and gives it back by disposing the lease; the
/// next delivery to that hop sends RSET and its own transaction over it instead of connecting again.</summary>
/// <remarks>
/// <para>A connection is lent to one delivery at a time, never shared. A hop is an address and port together with
/// the name and options the connection was opened with (TLS policy, credentials): a connection opened under
/// other options is not used for it.</para>
/// <para>At most <see cref="MaxPerHop"/> connections to one hop are lent at once (Postfix's
/// default_destination_concurrency_limit is 20 too); a delivery beyond that waits for one to come back. An idle
/// connection is closed with QUIT after <see cref="IdleTime"/>, and one older than <see cref="MaxAge"/> is not lent
/// again. Before an idle connection is lent it is checked for an unasked reply or a close by the server; one that
/// breaks later anyway shows as <see cref="TransactionResult.Stale"/>, and the caller asks for a fresh one.</para>
/// </remarks>
public sealed class SmtpConnectionPool : IAsyncDisposable
{
    public const int DefaultMaxPerHop = 20;
    public static readonly TimeSpan DefaultIdleTime = TimeSpan.FromSeconds(5), DefaultMaxAge = TimeSpan.FromMinutes(5);

    /// <summary>How long a QUIT to a connection we no longer need may take.</summary>
    static readonly TimeSpan QuitTime = TimeSpan.FromSeconds(10);

    readonly TimeProvider _time;
    readonly ILogger _log;
    readonly Dictionary<HopKey, Hop> _hops = [];
    readonly List<Task> _quitting = [];
    /// <summary>Closes connections idle for <see cref="IdleTime"/>; runs only while there are idle connections
    /// (one timer for the pool rather than one per connection: a return costs no allocation of a timer).</summary>
    ITimer? _sweeper;
    bool _sweeping;
    bool _disposed;

    public SmtpConnectionPool(int maxPerHop = DefaultMaxPerHop, TimeSpan? idleTime = null, TimeSpan? maxAge = null,
        TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerHop, 1);
        MaxPerHop = maxPerHop;
        IdleTime = idleTime ?? DefaultIdleTime;
        MaxAge = maxAge ?? DefaultMaxAge;
        _time = time ?? TimeProvider.System;
        _log = logger ?? NullLogger.Instance;
    }

    public int MaxPerHop { get; }
    public TimeSpan IdleTime { get; }
    public TimeSpan MaxAge { get; }

    /// <summary>Connections waiting in the pool, over all hops (for tests and the admin's figures).</summary>
    public int IdleCount
    {
        get { lock (_hops) return _hops.Values.Sum(h => h.Idle.Count); }
    }

    internal readonly record struct HopKey(IPEndPoint EndPoint, string HostName, SmtpClientOptions Options);

    sealed class Hop
    {
        /// <summary>Connections lent out or being opened.</summary>
        public int Lent;
        /// <summary>Most recently returned last.</summary>
        public readonly List<IdleConnection> Idle = [];
        public readonly Queue<TaskCompletionSource> Waiters = new();
        public bool IsUnused => Lent == 0 && Idle.Count == 0 && Waiters.Count == 0;
    }

    /// <param name="IdleSince">When it came back (a <see cref="TimeProvider.GetTimestamp"/> value).</param>
    sealed record IdleConnection(SmtpRelayClient Client, long OpenedAt, long IdleSince);

    /// <summary>A connection to <paramref name="hop"/> ready for a transaction: an idle one if there is one that looks
    /// alive (unless <paramref name="fresh"/>), else a new one. When none can be opened, the lease has no
    /// <see cref="Lease.Client"/> and <see cref="Lease.Result"/> says why.</summary>
    /// <exception cref="OperationCanceledException">only when <paramref name="cancellationToken"/> is cancelled.</exception>
    public async Task<Lease> AcquireAsync(NextHop hop, SmtpClientOptions options, bool fresh, CancellationToken cancellationToken)
    {
        var key = new HopKey(hop.EndPoint, hop.HostName, options);
        await TakeSlotAsync(key, cancellationToken);
        try
        {
            while (!fresh && TakeIdle(key) is { } idle)
            {
                if (idle.Client.LooksAlive())
                    return new Lease(this, key, idle.Client, idle.OpenedAt, reused: true, ConnectResult.Connected);
                SmtpClientLog.StaleConnection(_log, idle.Client.Peer, "closed by the server while idle");
                await idle.Client.DisposeAsync();
            }
            (SmtpRelayClient? client, ConnectResult result) = await SmtpRelayClient.OpenAsync(hop, options, _log, cancellationToken);
            if (client is null)
            {
                ReleaseSlot(key);
                return new Lease(this, key, null, 0, reused: false, result);
            }
            return new Lease(this, key, client, _time.GetTimestamp(), reused: false, result);
        }
        catch
        {
            ReleaseSlot(key);
            throw;
        }
    }

    /// <summary>Closes every idle connection (QUIT) and waits for the QUITs; leases still out close when returned.</summary>
    public async ValueTask DisposeAsync()
    {
        List<IdleConnection> idle = [];
        lock (_hops)
        {
            _disposed = true;
            foreach (Hop hop in _hops.Values)
            {
                idle.AddRange(hop.Idle);
                hop.Idle.Clear();
            }
        }
        _sweeper?.Dispose();
        foreach (IdleConnection connection in idle)
            QuitInBackground(connection.Client);
        Task[] quitting;
        lock (_quitting)
            quitting = [.. _quitting];
        await Task.WhenAll(quitting);
    }

    async ValueTask ReturnAsync(Lease lease)
    {
        SmtpRelayClient client = lease.Client!;
        bool keep;
        lock (_hops)
        {
            Hop hop = _hops[lease.Key];
            keep = !_disposed && client.IsConnected && _time.GetElapsedTime(lease.OpenedAt) < MaxAge;
            if (keep)
            {
                hop.Idle.Add(new IdleConnection(client, lease.OpenedAt, _time.GetTimestamp()));
                if (!_sweeping)
                {
                    TimeSpan period = TimeSpan.FromTicks(Math.Max(IdleTime.Ticks / 2, TimeSpan.FromMilliseconds(50).Ticks));
                    _sweeper ??= _time.CreateTimer(static state => ((SmtpConnectionPool)state!).Sweep(), this, period, period);
                    _sweeper.Change(period, period);
                    _sweeping = true;
                }
            }
            ReleaseSlotLocked(lease.Key, hop);
        }
        if (!keep)
        {
            if (client.IsConnected)
                QuitInBackground(client);
            else
                await client.DisposeAsync();
        }
    }

    /// <summary>Takes connections idle for <see cref="IdleTime"/> out of the pool and says QUIT to them; stops the
    /// timer when none is left idle.</summary>
    void Sweep()
    {
        List<SmtpRelayClient> expired = [];
        lock (_hops)
        {
            if (_disposed)
                return;
            foreach ((HopKey key, Hop hop) in _hops.ToList())
            {
                foreach (IdleConnection idle in hop.Idle.Where(i => _time.GetElapsedTime(i.IdleSince) >= IdleTime).ToList())
                {
                    hop.Idle.Remove(idle);
                    expired.Add(idle.Client);
                }
                if (hop.IsUnused)
                    _hops.Remove(key);
            }
            if (_hops.Values.All(h => h.Idle.Count == 0))
            {
                _sweeper?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _sweeping = false;
            }
        }
        foreach (SmtpRelayClient client in expired)
            QuitInBackground(client);
    }

    IdleConnection? TakeIdle(HopKey key)
    {
        IdleConnection idle;
        lock (_hops)
        {
            if (!_hops.TryGetValue(key, out Hop? hop) || hop.Idle.Count == 0)
                return null;
            idle = hop.Idle[^1];
            hop.Idle.RemoveAt(hop.Idle.Count - 1);
        }
        return idle;
    }

    Task TakeSlotAsync(HopKey key, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_hops)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_hops.TryGetValue(key, out Hop? hop))
                _hops[key] = hop = new Hop();
            if (hop.Lent < MaxPerHop)
            {
                hop.Lent++;
                return Task.CompletedTask;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            hop.Waiters.Enqueue(waiter);
        }
        return WaitForSlotAsync(waiter, cancellationToken);
    }

    /// <summary>A returned slot is handed straight to the first waiter (<see cref="ReleaseSlotLocked"/>); a waiter
    /// that gave up stays in the queue, and the hand-over skips it.</summary>
    static async Task WaitForSlotAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
            await waiter.Task;
    }

    void ReleaseSlot(HopKey key)
    {
        lock (_hops)
            ReleaseSlotLocked(key, _hops[key]);
    }

    void ReleaseSlotLocked(HopKey key, Hop hop)
    {
        while (hop.Waiters.TryDequeue(out TaskCompletionSource? waiter))
        {
            if (waiter.TrySetResult())
                return;
        }
        hop.Lent--;
        if (hop.IsUnused)
            _hops.Remove(key);
    }

    void QuitInBackground(SmtpRelayClient client)
    {
        Task quit = QuitQuietlyAsync(client);
        lock (_quitting)
        {
            _quitting.RemoveAll(t => t.IsCompleted);
            _quitting.Add(quit);
        }
    }

    static async Task QuitQuietlyAsync(SmtpRelayClient client)
    {
        using var limit = new CancellationTokenSource(QuitTime);
        try
        {
            await client.QuitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // a server that does not answer QUIT in time is simply cut off
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>One connection lent to one delivery; disposing it gives the connection back (or closes it when it
    /// broke). A lease without <see cref="Client"/> holds nothing: <see cref="Result"/> says why.</summary>
    public sealed class Lease : IAsyncDisposable
    {
        readonly SmtpConnectionPool _pool;
        int _returned;

        internal Lease(SmtpConnectionPool pool, HopKey key, SmtpRelayClient? client, long openedAt, bool reused, ConnectResult result)
        {
            _pool = pool;
            Key = key;
            Client = client;
            OpenedAt = openedAt;
            Reused = reused;
            Result = result;
        }

        internal HopKey Key { get; }
        internal long OpenedAt { get; }

        public SmtpRelayClient? Client { get; }

        /// <summary>Whether the connection served an earlier delivery.</summary>
        public bool Reused { get; }

        public ConnectResult Result { get; }

        public ValueTask DisposeAsync() =>
            Client is null || Interlocked.Exchange(ref _returned, 1) == 1 ? default : _pool.ReturnAsync(this);
    }
}
