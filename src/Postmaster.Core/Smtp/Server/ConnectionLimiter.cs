using System.Net;

namespace Postmaster.Smtp.Server;

/// <summary>Counts open sessions overall and per client address (<c>max-connections</c>,
/// <c>max-connections-per-client</c>), so one client cannot take every slot.</summary>
internal sealed class ConnectionLimiter
{
    readonly Dictionary<IPAddress, int> _perClient = [];
    int _total;

    public int Total => Volatile.Read(ref _total);

    /// <summary>Takes a slot, or says why there is none.</summary>
    public bool TryAcquire(IPAddress client, int maxTotal, int maxPerClient, out string? refusal)
    {
        lock (_perClient)
        {
            _perClient.TryGetValue(client, out int mine);
            refusal = _total >= maxTotal ? "max-connections" : mine >= maxPerClient ? "max-connections-per-client" : null;
            if (refusal is not null)
                return false;
            _perClient[client] = mine + 1;
            _total++;
            return true;
        }
    }

    public void Release(IPAddress client)
    {
        lock (_perClient)
        {
            _total--;
            if (_perClient.TryGetValue(client, out int mine) && mine > 1)
                _perClient[client] = mine - 1;
            else
                _perClient.Remove(client);
        }
    }
}
