using System.Net;
using System.Net.Sockets;

namespace Postmaster.Platform;

/// <summary>The machine's own name, the default for the <c>hostname</c> setting.</summary>
public static class HostIdentity
{
    /// <summary>The FQDN from the resolver (canonical name of gethostname()), else the bare host name.</summary>
    public static string FullyQualifiedName()
    {
        string name = System.Net.Dns.GetHostName();
        if (name.Contains('.'))
            return name.ToLowerInvariant();
        try
        {
            string canonical = System.Net.Dns.GetHostEntry(name).HostName;
            return (canonical.Contains('.') ? canonical : name).ToLowerInvariant();
        }
        catch (SocketException)
        {
            return name.ToLowerInvariant();
        }
    }
}
