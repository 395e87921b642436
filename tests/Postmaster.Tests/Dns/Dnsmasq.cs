using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace Postmaster.Tests.Dns;

/// <summary>A real dnsmasq on 127.0.0.1 and a free high port (TOOLCHAIN.md §3.4, gotcha 17), serving by default the
/// zone the reverse-lookup tests need, or the records a test gives. One per test class; killed on dispose.</summary>
public class Dnsmasq : IDisposable
{
    public static readonly IPAddress Confirmed = IPAddress.Parse("203.0.113.5");
    public static readonly IPAddress ConfirmedV6 = IPAddress.Parse("2001:db8::5");
    public static readonly IPAddress PointsElsewhere = IPAddress.Parse("203.0.113.6");
    public static readonly IPAddress NameDoesNotResolve = IPAddress.Parse("203.0.113.8");
    public static readonly IPAddress NoPtr = IPAddress.Parse("203.0.113.7");

    readonly Process process;
    readonly StringBuilder log = new();
    readonly string[] records;
    readonly string probeName;

    public Dnsmasq() : this(ReverseZone, "mail.test")
    {
    }

    /// <param name="records">dnsmasq options that make the zone (--mx-host=..., --host-record=...); names under
    /// .test and the reverse zones are authoritative here.</param>
    /// <param name="probeName">A name with an A record among them: the server is up once it answers for it.</param>
    protected Dnsmasq(string[] records, string probeName)
    {
        this.records = records;
        this.probeName = probeName;
        string program = Find() ?? throw new InvalidOperationException(
            "dnsmasq is not installed; the DNS tests need it (scripts/install-deps must install the Debian package dnsmasq)");
        for (int attempt = 0; ; attempt++)
        {
            Port = FreePort();
            process = Start(program, Port);
            if (WaitUntilAnswering())
                return;
            Kill();
            // Another process may have taken the port between our probe and dnsmasq's bind: try another.
            if (attempt == 4 || !log.ToString().Contains("in use", StringComparison.Ordinal))
                throw new InvalidOperationException($"dnsmasq did not start on 127.0.0.1:{Port}: {log}");
        }
    }

    static readonly string[] ReverseZone =
    [
        $"--ptr-record={Arpa(Confirmed)},mail.test",
        $"--ptr-record={Arpa(ConfirmedV6)},mail.test",
        "--address=/mail.test/203.0.113.5", "--address=/mail.test/2001:db8::5",
        $"--ptr-record={Arpa(PointsElsewhere)},liar.test",
        "--address=/liar.test/203.0.113.99",
        $"--ptr-record={Arpa(NameDoesNotResolve)},ghost.test",
    ];

    public int Port { get; private set; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    Process Start(string program, int port)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in (string[])[
            "--no-daemon", "--port", port.ToString(), "--listen-address", "127.0.0.1", "--bind-interfaces",
            "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--log-facility=-",
            // Missing names in these zones are NXDOMAIN instead of "refused" (gotcha 17).
            "--local=/test/", "--local=/in-addr.arpa/", "--local=/ip6.arpa/",
            .. records,
        ])
            start.ArgumentList.Add(argument);
        var started = Process.Start(start)!;
        started.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        started.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        started.BeginErrorReadLine();
        started.BeginOutputReadLine();
        return started;
    }

    bool WaitUntilAnswering()
    {
        var client = new LookupClient(new LookupClientOptions(new NameServer(EndPoint))
        {
            UseCache = false, Retries = 0, Timeout = TimeSpan.FromMilliseconds(200), ThrowDnsErrors = false,
        });
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
        {
            try
            {
                if (client.Query(probeName, QueryType.A).Answers.ARecords().Any())
                    return true;
            }
            catch (DnsResponseException)
            {
                // not listening yet
            }
            Thread.Sleep(50);
        }
        return false;
    }

    static string Arpa(IPAddress address) => address.GetArpaName().TrimEnd('.');

    static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin")
            .Select(directory => Path.Combine(directory, "dnsmasq")).FirstOrDefault(File.Exists);

    /// <summary>A port that is free for both UDP and TCP right now (dnsmasq binds both).</summary>
    static int FreePort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // taken for TCP: try another
            }
        }
    }

    void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        process.Dispose();
    }

    public void Dispose()
    {
        Kill();
        GC.SuppressFinalize(this);
    }
}
