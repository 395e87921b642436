using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Postmaster.EndToEnd.Support;

/// <summary>A real postgrey (the Debian package) in the foreground, on a unix socket or a loopback TCP port, with its
/// database in a temporary folder, no whitelists and a short greylisting delay. Killed on dispose.</summary>
public sealed class Postgrey : IAsyncDisposable
{
    public const string Program = "/usr/sbin/postgrey";

    readonly Process _process;
    readonly TempDirectory _directory;
    readonly StringBuilder _log = new();

    Postgrey(Process process, TempDirectory directory, string? socket, int port)
    {
        _process = process;
        _directory = directory;
        Socket = socket;
        Port = port;
    }

    /// <summary>The unix socket, or null on TCP.</summary>
    public string? Socket { get; }

    public int Port { get; }

    /// <summary>The <c>policy</c> entry that reaches it.</summary>
    public string PolicyEntry => Socket is not null ? $"socket(unix:{Socket})" : $"socket(127.0.0.1:{Port})";

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static async Task<Postgrey> StartAsync(bool unix, int delaySeconds)
    {
        if (!File.Exists(Program))
            throw new InvalidOperationException($"{Program} is missing: scripts/install-deps installs the Debian package postgrey");
        var directory = new TempDirectory();
        // The daemon's user must reach the socket (postgrey makes it 0666).
        File.SetUnixFileMode(directory.Path, (UnixFileMode)0b111_101_101);
        string db = System.IO.Directory.CreateDirectory(directory.File("db")).FullName;
        string socket = directory.File("postgrey.sock");
        int port = unix ? 0 : FreePorts.Tcp();
        // Postgrey would drop to the user "postgrey" when root: keep whoever runs the test.
        string group = (await ProcessRunner.RunAsync("id", ["-gn"])).StandardOutput.Trim();
        var start = new ProcessStartInfo(Program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[]
        {
            unix ? $"--unix={socket}" : $"--inet=127.0.0.1:{port}",
            $"--dbdir={db}", $"--delay={delaySeconds}", "--greylist-text=Greylisted for %s seconds",
            // Without these it reads /etc/postgrey's whitelists (big mail providers) and would whitelist by name.
            $"--whitelist-clients={directory.Write("whitelist_clients", "")}",
            $"--whitelist-recipients={directory.Write("whitelist_recipients", "")}",
            $"--user={Environment.UserName}", $"--group={group}",
        })
            start.ArgumentList.Add(argument);
        var postgrey = new Postgrey(Process.Start(start)!, directory, unix ? socket : null, port);
        postgrey._process.ErrorDataReceived += (_, e) => postgrey.Append(e.Data);
        postgrey._process.OutputDataReceived += (_, e) => postgrey.Append(e.Data);
        postgrey._process.BeginErrorReadLine();
        postgrey._process.BeginOutputReadLine();
        await postgrey.WaitUntilListeningAsync();
        return postgrey;
    }

    void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.Append(line).Append('\n');
    }

    async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"postgrey exited with {_process.ExitCode}: {Log}");
            try
            {
                using var probe = Socket is not null
                    ? new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                    : new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(Socket is not null ? new UnixDomainSocketEndPoint(Socket) : new IPEndPoint(IPAddress.Loopback, Port));
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }


    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _directory.Dispose();
    }
}
