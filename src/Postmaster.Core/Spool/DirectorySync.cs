namespace Postmaster.Spool;

/// <summary>Group commit of a directory: concurrent callers that need its entries durable share one fsync.</summary>
/// <remarks>
/// A caller renames its files into the directory, then awaits <see cref="SyncAsync"/>. The task completes
/// only after an fsync that <em>started</em> after the call, so it covers the caller's renames. While one
/// fsync runs, new callers queue up; the next fsync serves all of them at once. On a disk where fsync
/// takes 5-20 ms this turns one fsync per message into one per burst (Postfix and databases do the same
/// with their logs). There is no dedicated thread: the first caller of a burst starts a loop on the thread
/// pool, which ends when nobody waits.
/// </remarks>
internal sealed class DirectorySync(string path)
{
    readonly Lock _gate = new();
    List<TaskCompletionSource> _waiting = [];
    bool _running;
    long _syncs;

    public string Path => path;

    /// <summary>How many fsyncs were made, for tests and statistics.</summary>
    public long SyncCount => Interlocked.Read(ref _syncs);

    /// <summary>Runs before every fsync; tests use it to simulate a slow disk.</summary>
    internal Action? BeforeSync { get; set; }

    /// <summary>Completes after an fsync of the directory that started after this call; faults with its
    /// <see cref="IOException"/> if that fsync fails.</summary>
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
                batch = _waiting;           // everyone in here called SyncAsync before the fsync below starts
                _waiting = [];
            }
            try
            {
                BeforeSync?.Invoke();
                Posix.FsyncDirectory(path);
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
