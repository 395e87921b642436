namespace Postmaster.Verification;

/// <summary>Verification outcomes by recipient, each until its expiry; kept by the daemon across reloads.</summary>
/// <remarks>Bounded: when <see cref="Capacity"/> entries are reached the expired ones go, and if that is not enough,
/// all of them (a flood of made-up addresses must not grow the daemon without limit).</remarks>
public sealed class VerificationCache(TimeProvider time, int capacity = VerificationCache.DefaultCapacity)
{
    public const int DefaultCapacity = 100_000;

    readonly Dictionary<string, (VerificationResult Result, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);

    public int Capacity => capacity;

    public int Count
    {
        get { lock (_entries) return _entries.Count; }
    }

    /// <summary>The remembered outcome for <paramref name="key"/>, marked as coming from the cache; null when there
    /// is none or it expired.</summary>
    public VerificationResult? Find(string key)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var entry))
                return null;
            if (entry.Expires > time.GetUtcNow())
                return entry.Result with { FromCache = true };
            _entries.Remove(key);
            return null;
        }
    }

    public void Remember(string key, VerificationResult result, TimeSpan lifetime)
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_entries)
        {
            if (_entries.Count >= capacity && !_entries.ContainsKey(key))
            {
                foreach (string old in _entries.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToList())
                    _entries.Remove(old);
                if (_entries.Count >= capacity)
                    _entries.Clear();
            }
            _entries[key] = (result, now + lifetime);
        }
    }
}
