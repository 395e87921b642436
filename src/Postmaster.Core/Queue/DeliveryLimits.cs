namespace Postmaster.Queue;

/// <summary>How many deliveries run at once: overall, and to one destination (Postfix's process limit and
/// destination concurrency limit). A destination's count lives only while deliveries to it run or wait, so the
/// table does not grow with every domain ever relayed to.</summary>
internal sealed class DeliveryLimits(int overall)
{
    readonly SemaphoreSlim _overall = new(overall);
    readonly Dictionary<string, Destination> _destinations = [];

    sealed class Destination(int limit)
    {
        public SemaphoreSlim Slots { get; } = new(limit);
        public int Users;
    }

    /// <summary>Waits for a place at <paramref name="destination"/> (at most <paramref name="limit"/> at once), then
    /// for one overall; the destination comes first so that deliveries waiting for a busy destination do not hold
    /// overall places others could use.</summary>
    public async Task<IDisposable> EnterAsync(string destination, int limit, CancellationToken cancellationToken)
    {
        Destination entry;
        lock (_destinations)
        {
            if (!_destinations.TryGetValue(destination, out entry!))
                _destinations[destination] = entry = new Destination(limit);
            entry.Users++;
        }
        bool atDestination = false;
        try
        {
            await entry.Slots.WaitAsync(cancellationToken);
            atDestination = true;
            await _overall.WaitAsync(cancellationToken);
            return new Place(this, destination, entry);
        }
        catch
        {
            if (atDestination)
                entry.Slots.Release();
            Leave(destination, entry);
            throw;
        }
    }

    void Leave(string destination, Destination entry)
    {
        lock (_destinations)
        {
            if (--entry.Users == 0)
                _destinations.Remove(destination);
        }
    }

    sealed class Place(DeliveryLimits limits, string destination, Destination entry) : IDisposable
    {
        int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 1)
                return;
            limits._overall.Release();
            entry.Slots.Release();
            limits.Leave(destination, entry);
        }
    }
}
