using System.Net;

namespace Postmaster.Routing;

/// <summary>One next hop of a <c>relay(...)</c> target: a host name or IP address and a port.</summary>
public readonly record struct RelayHost(string Host, int Port)
{
    public const int SmtpPort = 25;

    public bool IsIpAddress => IPAddress.TryParse(Host, out _);

    /// <summary>IPv6 addresses are bracketed, as in the configuration: <c>[2001:db8::1]:25</c>.</summary>
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
