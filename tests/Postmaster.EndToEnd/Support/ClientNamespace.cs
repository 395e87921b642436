using System.Net;

namespace Postmaster.EndToEnd.Support;

/// <summary>A network namespace for SMTP clients that must not be on loopback (libspf2 passes every 127.x
/// client), joined to ours by a veth pair with documentation addresses: ours <see cref="HostV4"/> and
/// <see cref="HostV6"/>, the client's <see cref="ClientV4"/> and <see cref="ClientV6"/>. Names and addresses
/// are chosen per run, so runs side by side do not meet; everything is removed on dispose (deleting the
/// namespace deletes the pair) and after a failed set-up. Needs root; <see cref="SkipReason"/> says why not.</summary>
public sealed class ClientNamespace : IAsyncLifetime
{
    readonly string _suffix = $"{Environment.ProcessId % 10000:x}{Random.Shared.Next(0x1000):x3}";

    public string Name => $"pm-spf-{_suffix}";
    string HostLink => $"pmh{_suffix}";
    string ClientLink => $"pmc{_suffix}";

    public IPAddress HostV4 { get; private set; } = IPAddress.None;
    public IPAddress ClientV4 { get; private set; } = IPAddress.None;
    public IPAddress HostV6 { get; private set; } = IPAddress.IPv6None;
    public IPAddress ClientV6 { get; private set; } = IPAddress.IPv6None;

    /// <summary>Why the namespace could not be made (not root, no <c>ip</c>), or null when it is there.</summary>
    public string? SkipReason { get; private set; }

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root")
        {
            SkipReason = "creating a network namespace needs root (the tests run as root in CI)";
            return;
        }
        ChooseAddresses(await RunAsync("ip", "-o", "addr", "show"));
        ProcessResult added = await RunAsync("ip", "netns", "add", Name);
        if (added.ExitCode != 0)
        {
            SkipReason = $"ip netns add is not permitted here: {added.StandardError.Trim()}";
            return;
        }
        try
        {
            await Must("ip", "link", "add", HostLink, "type", "veth", "peer", "name", ClientLink);
            await Must("ip", "link", "set", ClientLink, "netns", Name);
            // nodad: the addresses are usable at once instead of after duplicate address detection.
            await Must("ip", "addr", "add", $"{HostV4}/30", "dev", HostLink);
            await Must("ip", "-6", "addr", "add", $"{HostV6}/64", "dev", HostLink, "nodad");
            await Must("ip", "link", "set", HostLink, "up");
            await Must("ip", "netns", "exec", Name, "ip", "addr", "add", $"{ClientV4}/30", "dev", ClientLink);
            await Must("ip", "netns", "exec", Name, "ip", "-6", "addr", "add", $"{ClientV6}/64", "dev", ClientLink, "nodad");
            await Must("ip", "netns", "exec", Name, "ip", "link", "set", ClientLink, "up");
            await Must("ip", "netns", "exec", Name, "ip", "link", "set", "lo", "up");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A /30 of 192.0.2.0/24 and a /64 of 2001:db8::/32 that no interface here uses yet.</summary>
    void ChooseAddresses(ProcessResult addresses)
    {
        for (int attempt = 0; ; attempt++)
        {
            int block = Random.Shared.Next(1, 63) * 4;
            int net6 = Random.Shared.Next(0x5000, 0x6000);
            HostV4 = IPAddress.Parse($"192.0.2.{block + 1}");
            ClientV4 = IPAddress.Parse($"192.0.2.{block + 2}");
            HostV6 = IPAddress.Parse($"2001:db8:{net6:x}::1");
            ClientV6 = IPAddress.Parse($"2001:db8:{net6:x}::2");
            if (attempt > 50 || !(addresses.StandardOutput.Contains($" {HostV4}/") || addresses.StandardOutput.Contains($" {ClientV4}/")
                                  || addresses.StandardOutput.Contains($"2001:db8:{net6:x}::")))
                return;
        }
    }

    /// <summary>Runs <paramref name="program"/> inside the namespace.</summary>
    public Task<ProcessResult> RunInsideAsync(string program, params string[] arguments) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", Name, program, .. arguments]);

    public async Task DisposeAsync()
    {
        if (SkipReason is not null)
            return;
        await RunAsync("ip", "netns", "del", Name);
        await RunAsync("ip", "link", "del", HostLink);   // normally gone with the namespace already
    }

    static Task<ProcessResult> RunAsync(string program, params string[] arguments) => ProcessRunner.RunAsync(program, arguments);

    static async Task Must(string program, params string[] arguments)
    {
        ProcessResult result = await RunAsync(program, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {result}");
    }
}
