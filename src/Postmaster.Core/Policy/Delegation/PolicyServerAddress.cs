namespace Postmaster.Policy.Delegation;

/// <summary>Where a policy server listens: a unix socket, or a host (name or IP address) and TCP port.</summary>
public sealed record PolicyServerAddress(string? UnixPath, string? Host, int Port)
{
    public override string ToString() => UnixPath is not null ? $"unix:{UnixPath}"
        : Host!.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
