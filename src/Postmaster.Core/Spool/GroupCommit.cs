namespace Postmaster.Spool;

/// <summary>Group commit: concurrent callers that each need a sync share one. A caller's task completes only
/// after a sync that <em>started</em> after its call, so the sync covers everything the caller wrote before.</summary>
/// <remarks>While one sync runs, new callers queue up; the next sync serves all of them at once. On a disk
/// where a sync takes milliseconds this turns one sync per message into one per burst (Postfix and
/// databases do the same with their logs). There is no dedicated thread: the first caller of a burst starts a
/// loop on the thread pool, which ends when nobody waits.</remarks>
internal abstract class GroupCommit
{
    readonly Lock _gate = new();
    List<TaskCompletionSource> _waiting = [];
    bool _running;
    long _syncs;

    /// <summary>How many syncs were made, for tests and statistics.</summary>
    public long SyncCount => Interlocked.Read(ref _syncs);

    /// <summary>Runs before every sync; tests use it to simulate a slow disk.</summary>
    internal Action? BeforeSync { get; set; }

    /// <summary>The sync itself; throws <see cref="IOException"/> when it fails.</summary>
    protected abstract void Sync();

    /// <summary>Completes after a sync that started after this call; faults with its <see cref="IOException"/>
    /// if that sync fails.</summary>
    public Task SyncAsync()
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            _waiting.Add(waiter);
            start = !_running;
            _running = true;
        }
        if (start)
            _ = Task.Run(Loop);
        return waiter.Task;
    }

    void Loop()
    {
        while (true)
        {
            List<TaskCompletionSource> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _running = false;
                    return;
                }
                batch = _waiting;           // everyone in here called SyncAsync before the sync below starts
                _waiting = [];
            }
            try
            {
                BeforeSync?.Invoke();
                Sync();
                Interlocked.Increment(ref _syncs);
                foreach (TaskCompletionSource waiter in batch)
                    waiter.SetResult();
            }
            catch (Exception e)
            {
                foreach (TaskCompletionSource waiter in batch)
                    waiter.SetException(e);
            }
        }
    }
}
