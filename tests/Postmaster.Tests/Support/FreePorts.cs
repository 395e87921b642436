using System.Net;
using System.Net.Sockets;

namespace Postmaster.Tests.Support;

/// <summary>Ports for the peers a test starts (policy servers, sinks, daemons).</summary>
internal static class FreePorts
{
    /// <summary>A loopback TCP port that was free a moment ago (the kernel's choice for port 0).</summary>
    public static int Tcp()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
