using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Postmaster.EndToEnd.Support;

/// <summary>A real dnsmasq on 127.0.0.1 and a free port serving the records a test gives (TOOLCHAIN.md §3.4,
/// gotcha 17), for the daemon's <c>dns-servers</c>. Names under .test that it was not given are NXDOMAIN.</summary>
public sealed class DnsmasqProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _log = new();

    DnsmasqProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <param name="records">dnsmasq options (--txt-record=..., --host-record=...); <paramref name="probeName"/>
    /// must have an A record among them: the server is up once it answers for it.</param>
    public static DnsmasqProcess Start(string probeName, params string[] records)
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreeUdpPort();
            var start = new ProcessStartInfo("/usr/sbin/dnsmasq") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in (string[])[
                "--no-daemon", "--port", port.ToString(), "--listen-address", "127.0.0.1", "--bind-interfaces",
                "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--log-facility=-", "--log-queries",
                "--local=/test/", "--local=/in-addr.arpa/", "--local=/ip6.arpa/", .. records])
                start.ArgumentList.Add(argument);
            var dnsmasq = new DnsmasqProcess(Process.Start(start)!, port);
            dnsmasq._process.ErrorDataReceived += (_, e) => dnsmasq.Append(e.Data);
            dnsmasq._process.OutputDataReceived += (_, e) => dnsmasq.Append(e.Data);
            dnsmasq._process.BeginErrorReadLine();
            dnsmasq._process.BeginOutputReadLine();
            if (dnsmasq.WaitUntilAnswering(probeName))
                return dnsmasq;
            string log = dnsmasq.Log;
            dnsmasq.Dispose();
            if (attempt == 4 || !log.Contains("in use", StringComparison.Ordinal))
                throw new InvalidOperationException($"dnsmasq did not start on 127.0.0.1:{port}: {log}");
        }
    }

    void Append(string? line)
    {
        if (line is not null)
            lock (_log) _log.Append(line).Append('\n');
    }

    /// <summary>Sends a hand-made A query until an answer comes back (no DNS library in this project).</summary>
    bool WaitUntilAnswering(string name)
    {
        var query = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in name.Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }
        query.AddRange([0, 0, 1, 0, 1]);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 200 };
        var clock = Stopwatch.StartNew();
        byte[] answer = new byte[512];
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
        {
            try
            {
                socket.SendTo(query.ToArray(), new IPEndPoint(IPAddress.Loopback, Port));
                if (socket.Receive(answer) >= 12 && (answer[3] & 0x0F) == 0)
                    return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);   // not listening yet
            }
        }
        return false;
    }

    static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
    }
}
