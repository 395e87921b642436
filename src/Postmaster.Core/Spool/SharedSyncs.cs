namespace Postmaster.Spool;

/// <summary>Group commits shared by key while somebody uses them: writers that lease the same key at the same
/// time share one sync, and the last to let go disposes it, so no table of every mailbox or file system is kept.</summary>
internal sealed class SharedSyncs<TKey, TSync>(Func<TKey, string, TSync> create)
    where TKey : notnull
    where TSync : GroupCommit
{
    readonly Lock _gate = new();
    readonly Dictionary<TKey, (TSync Sync, int Users)> _active = [];

    /// <summary>The sync for <paramref name="key"/> (made from <paramref name="directory"/> when nobody holds one).</summary>
    public Lease Acquire(TKey key, string directory)
    {
        lock (_gate)
        {
            (TSync sync, int users) = _active.TryGetValue(key, out var entry) ? entry : (create(key, directory), 0);
            _active[key] = (sync, users + 1);
            return new Lease(this, key, sync);
        }
    }

    void Release(TKey key)
    {
        lock (_gate)
        {
            (TSync sync, int users) = _active[key];
            if (users > 1)
            {
                _active[key] = (sync, users - 1);
                return;
            }
            _active.Remove(key);
            (sync as IDisposable)?.Dispose();
        }
    }

    /// <summary>A writer's use of one shared sync.</summary>
    public sealed class Lease(SharedSyncs<TKey, TSync> owner, TKey key, TSync sync) : IDisposable
    {
        int _disposed;

        public TSync Sync { get; } = sync;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                owner.Release(key);
        }
    }
}
