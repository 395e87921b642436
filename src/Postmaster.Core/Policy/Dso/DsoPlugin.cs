using Postmaster.Platform;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Postmaster.Policy.Dso;

/// <summary>One loaded policy plugin (packaging/include/postmaster_policy.h): its entry points, and the few
/// worker threads that call <c>postmaster_policy_check</c> so that no session's I/O thread ever waits in it.</summary>
/// <remarks>A call that overruns its time limit is abandoned, not killed (a thread blocked in native code cannot
/// be); while one is overdue the plugin counts as stuck and every new call is refused at once.</remarks>
internal sealed class DsoPlugin
{
    /// <summary>Threads per plugin: checks may run this many at a time (the header tells plugins so).</summary>
    public const int Workers = 4;

    /// <summary>Calls that may wait for a free worker; beyond that a call is refused at once.</summary>
    const int QueueLimit = 64;

    readonly unsafe delegate* unmanaged<NativeFacts*, byte*, nuint, int> _check;
    readonly unsafe delegate* unmanaged<void> _cleanup;
    readonly BlockingCollection<DsoCall> _queue = new(QueueLimit);
    readonly Lock _startLock = new();
    Thread[]? _threads;
    int _overdue;
    long _stuckSince;
    bool _cleanedUp;

    unsafe DsoPlugin(string path, delegate* unmanaged<NativeFacts*, byte*, nuint, int> check, delegate* unmanaged<void> cleanup)
    {
        Path = path;
        _check = check;
        _cleanup = cleanup;
    }

    public string Path { get; }

    public string Name => $"dso({Path})";

    /// <summary>Where runtime events (stuck, returned late) are logged; the daemon sets its own.</summary>
    public ILogger Log { get; set; } = NullLogger.Instance;

    /// <summary>Whether a call is overdue right now.</summary>
    public bool IsStuck => Volatile.Read(ref _overdue) > 0;

    /// <summary>Opens <paramref name="path"/> (RTLD_NOW), finds the three entry points and calls
    /// <c>postmaster_policy_init</c>; <c>null</c> with a one-line reason when any of that fails.</summary>
    public static unsafe DsoPlugin? TryLoad(string path, out string? problem)
    {
        nint handle = DynamicLinker.Open(path, out problem);
        if (handle == 0)
            return null;
        nint init = DynamicLinker.Symbol(handle, DsoAbi.InitSymbol);
        nint check = DynamicLinker.Symbol(handle, DsoAbi.CheckSymbol);
        nint cleanup = DynamicLinker.Symbol(handle, DsoAbi.CleanupSymbol);
        string? missing = init == 0 ? DsoAbi.InitSymbol : check == 0 ? DsoAbi.CheckSymbol : cleanup == 0 ? DsoAbi.CleanupSymbol : null;
        if (missing is not null)
        {
            DynamicLinker.Close(handle);   // none of its code has run but constructors: safe to let go
            problem = $"{path}: no symbol {missing} (not a Postmaster policy plugin?)";
            return null;
        }

        // From here on the library stays loaded whatever happens: its code has run.
        byte* error = stackalloc byte[DsoAbi.InitErrorSize];
        new Span<byte>(error, DsoAbi.InitErrorSize).Clear();
        int version = ((delegate* unmanaged<uint, byte*, nuint, int>)init)(DsoAbi.Version, error, DsoAbi.InitErrorSize);
        if (version < 0)
        {
            problem = $"{path}: init failed: {InitError(error)}";
            return null;
        }
        if (version != DsoAbi.Version)
        {
            problem = $"{path}: implements policy ABI version {version}, but this Postmaster speaks version {DsoAbi.Version}";
            return null;
        }
        return new DsoPlugin(path, (delegate* unmanaged<NativeFacts*, byte*, nuint, int>)check, (delegate* unmanaged<void>)cleanup);
    }

    static unsafe string InitError(byte* error)
    {
        var span = new ReadOnlySpan<byte>(error, DsoAbi.InitErrorSize);
        int end = span.IndexOf((byte)0);
        string text = DsoReply.Printable(end < 0 ? span : span[..end]);
        return text.Length == 0 ? "(no reason given)" : text;
    }

    /// <summary>Asks the plugin about <paramref name="facts"/> on a worker thread, waiting at most
    /// <paramref name="timeout"/>.</summary>
    /// <returns>The plugin's answer, or the reason there is none (stuck, busy, too slow).</returns>
    public async ValueTask<(DsoAnswer? Answer, string? Problem)> CheckAsync(SessionFacts facts, TimeSpan timeout,
        CancellationToken cancellation)
    {
        if (IsStuck)
            return (null, $"stuck: a check has not returned for {StuckSeconds()}s");
        StartWorkers();
        DsoCall call = DsoCall.Create(facts);
        if (!TryQueue(call))
        {
            call.Free();
            return (null, _queue.IsAddingCompleted ? "stopped" : $"busy: {QueueLimit} checks are waiting for its {Workers} threads");
        }
        try
        {
            return (await call.Answer.Task.WaitAsync(timeout, cancellation), null);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            if (GiveUp(call) is { } answer)
                return (answer, null);
            if (e is OperationCanceledException)
                throw;
            return (null, $"no answer within {timeout.TotalSeconds:0.###}s");
        }
    }

    bool TryQueue(DsoCall call)
    {
        try
        {
            return _queue.TryAdd(call);
        }
        catch (InvalidOperationException)
        {
            return false;   // cleaned up: the daemon is stopping
        }
    }

    /// <summary>Abandons <paramref name="call"/>; returns its answer if it came in the meantime after all.</summary>
    /// <remarks>Never waits for the plugin: a call that a worker takes up between our two attempts is tried again
    /// as a running one.</remarks>
    DsoAnswer? GiveUp(DsoCall call)
    {
        while (true)
        {
            if (call.TryAbandonQueued())
                return null;   // the worker frees it when it gets to it
            // Counted before the state changes, so the worker's decrement can never come first and leave it at -1.
            int overdue = Interlocked.Increment(ref _overdue);
            if (call.TryAbandonRunning())
            {
                if (overdue == 1)
                {
                    Volatile.Write(ref _stuckSince, call.StartedAt);   // since the call entered the plugin
                    PolicyLog.PluginStuck(Log, Name, StuckSeconds());
                }
                return null;
            }
            Interlocked.Decrement(ref _overdue);
            if (call.IsFinished)
                return call.Answer.Task.Result;   // finished in between; the answer is set right after the state
        }
    }

    long StuckSeconds() => (long)Math.Round(Stopwatch.GetElapsedTime(Volatile.Read(ref _stuckSince)).TotalSeconds);

    void StartWorkers()
    {
        if (Volatile.Read(ref _threads) is not null)
            return;
        lock (_startLock)
        {
            if (_threads is not null)
                return;
            var threads = new Thread[Workers];
            for (int i = 0; i < threads.Length; i++)
            {
                // Background: a thread stuck in the plugin must not keep the process from exiting.
                threads[i] = new Thread(Work) { IsBackground = true, Name = $"policy dso {i}" };
                threads[i].Start();
            }
            Volatile.Write(ref _threads, threads);
        }
    }

    unsafe void Work()
    {
        foreach (DsoCall call in _queue.GetConsumingEnumerable())
        {
            if (!call.TryStart())
                continue;
            int verdict = _check(call.Facts, call.Reply, DsoAbi.ReplySize);
            long started = call.StartedAt;
            if (!call.TryFinish(verdict))
            {
                Interlocked.Decrement(ref _overdue);
                PolicyLog.PluginReturnedLate(Log, Name, (long)Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds));
            }
        }
    }

    /// <summary>Calls <c>postmaster_policy_cleanup</c> once, unless a check is still in the plugin (it would run
    /// concurrently with it) or cleanup itself does not return within <paramref name="limit"/>.</summary>
    public void Cleanup(TimeSpan limit)
    {
        if (_cleanedUp)
            return;
        _cleanedUp = true;
        _queue.CompleteAdding();
        foreach (Thread thread in Volatile.Read(ref _threads) ?? [])
        {
            if (!thread.Join(limit))
            {
                PolicyLog.PluginNotCleanedUp(Log, Name, "a check is still running in it");
                return;
            }
        }
        var cleaner = new Thread(CallCleanup) { IsBackground = true, Name = "policy dso cleanup" };
        cleaner.Start();
        if (!cleaner.Join(limit))
            PolicyLog.PluginNotCleanedUp(Log, Name, $"cleanup did not return within {limit.TotalSeconds:0}s");
    }

    unsafe void CallCleanup() => _cleanup();
}
