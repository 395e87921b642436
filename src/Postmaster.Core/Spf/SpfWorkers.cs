using System.Collections.Concurrent;
using System.Diagnostics;

namespace Postmaster.Spf;

/// <summary>A fixed set of dedicated threads for SPF checks: libspf2 blocks on each DNS query, and a blocked
/// thread-pool thread would hold up the I/O of every other session. Bounded, so a flood of checks against a slow
/// DNS server waits in the queue (and runs out of time there) instead of growing threads without end.</summary>
internal sealed class SpfWorkers : IDisposable
{
    /// <summary>Shared by every configuration of the process; checks mostly wait on DNS, so 16 go a long way.</summary>
    public static SpfWorkers Shared => s_shared.Value;

    static readonly Lazy<SpfWorkers> s_shared = new(() => new SpfWorkers(16));

    readonly BlockingCollection<Action> _queue = [];

    public SpfWorkers(int threads)
    {
        for (int i = 0; i < threads; i++)
            new Thread(Work) { IsBackground = true, Name = $"spf-{i}" }.Start();
    }

    /// <summary>Runs <paramref name="work"/> on a worker. Work still queued at <paramref name="deadline"/> (a
    /// <see cref="Stopwatch"/> timestamp) is dropped without starting: its task ends in a TimeoutException.</summary>
    public Task<T> RunAsync<T>(Func<T> work, long deadline)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                done.TrySetException(new TimeoutException("no SPF worker was free in time"));
                return;
            }
            try
            {
                done.TrySetResult(work());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>Lets the threads end once the queue is empty (the shared workers live as long as the process).</summary>
    public void Dispose() => _queue.CompleteAdding();

    void Work()
    {
        foreach (Action item in _queue.GetConsumingEnumerable())
            item();
    }
}
