using Postmaster.Config;

namespace Postmaster.Policy.Delegation;

/// <summary>The daemon's policy server clients by address, kept across configuration reloads so that their
/// open connections are too.</summary>
public sealed class PolicyServers(TimeProvider time) : IDisposable
{
    readonly Dictionary<PolicyServerAddress, PolicyServerClient> _clients = [];

    /// <summary>The policy for <paramref name="spec"/>, on the one client for its address.</summary>
    public DelegatedPolicy Policy(PolicySpec.Socket spec, TimeSpan timeout, PolicyFailureAction failure)
    {
        var address = new PolicyServerAddress(spec.UnixPath, spec.Host, spec.Port);
        PolicyServerClient? client;
        lock (_clients)
        {
            if (!_clients.TryGetValue(address, out client))
                _clients.Add(address, client = new PolicyServerClient(address, time));
        }
        return new DelegatedPolicy(spec, client, timeout, failure);
    }

    /// <summary>Closes the clients of servers <paramref name="settings"/> no longer names (after a reload). A session
    /// still holding one of their policies keeps working: a closed client only stops pooling connections.</summary>
    public void KeepOnly(Settings settings)
    {
        var named = settings.Policy.OfType<PolicySpec.Socket>().Select(s => new PolicyServerAddress(s.UnixPath, s.Host, s.Port)).ToHashSet();
        lock (_clients)
        {
            foreach (PolicyServerAddress address in _clients.Keys.Where(a => !named.Contains(a)).ToArray())
            {
                _clients[address].Dispose();
                _clients.Remove(address);
            }
        }
    }

    public void Dispose()
    {
        lock (_clients)
        {
            foreach (PolicyServerClient client in _clients.Values)
                client.Dispose();
            _clients.Clear();
        }
    }
}
