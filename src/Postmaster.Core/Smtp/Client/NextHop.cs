using System.Net;

namespace Postmaster.Smtp.Client;

/// <summary>One address the SMTP client may connect to, in the order <see cref="NextHopResolver"/> gives them.</summary>
/// <param name="HostName">The smart host or MX host as named in the configuration or DNS, without a trailing dot
/// (for TLS server name checks and logs); the address itself in text for IP literals and address-literal domains.</param>
public readonly record struct NextHop(string HostName, IPAddress Address, int Port)
{
    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>Postfix's form: <c>mx1.example.net[192.0.2.1]:25</c>.</summary>
    public override string ToString() => $"{HostName}[{Address}]:{Port}";
}
