using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Postmaster.EndToEnd.Support;

/// <summary><c>bin/postmaster daemon</c> on a free loopback port with its own spool and configuration in a
/// temporary directory; stopped with SIGTERM (or SIGKILL) at the end of the test.</summary>
public sealed partial class DaemonProcess : IAsyncDisposable
{
    public const string Hostname = "mx.test.example";

    Process _process;
    readonly StringBuilder _log = new();
    readonly TempDirectory _directory;
    readonly IReadOnlyDictionary<string, string>? _environment;

    DaemonProcess(TempDirectory directory, Process process, int port, string configPath, IReadOnlyDictionary<string, string>? environment)
    {
        _directory = directory;
        _process = process;
        Port = port;
        ConfigPath = configPath;
        _environment = environment;
    }

    public int Port { get; }
    public string ConfigPath { get; }
    public string Directory => _directory.Path;
    public string Spool => System.IO.Path.Combine(_directory.Path, "spool");
    public string QueueDirectory => System.IO.Path.Combine(Spool, "queue");
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>The committed messages: queue/*.env, by queue id.</summary>
    public string[] QueuedIds => [.. System.IO.Directory.GetFiles(QueueDirectory, "*.env").Select(f => System.IO.Path.GetFileNameWithoutExtension(f)).Order()];

    public string MessageText(string id) => File.ReadAllText(System.IO.Path.Combine(QueueDirectory, id + ".msg"));

    public string EnvelopeText(string id) => File.ReadAllText(System.IO.Path.Combine(QueueDirectory, id + ".env"));

    /// <summary>Starts the daemon with <paramref name="config"/> plus listen, spool and hostname settings.</summary>
    /// <param name="listen">The <c>listen</c> value for a free port, instead of loopback.</param>
    /// <param name="environment">Variables set for the daemon.</param>
    public static async Task<DaemonProcess> StartAsync(string config = "@example.org maildir(/var/vmail/$USER/)",
        string? extraSettings = null, bool ipv6 = false, Func<int, string>? listen = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var directory = new TempDirectory();
        if (Environment.UserName == "root")
        {
            // Started as root the daemon drops to its user, as in production; that user must reach the spool.
            await TestUser.Value;
            File.SetUnixFileMode(directory.Path, (UnixFileMode)0b111_101_101);
            if (extraSettings?.Contains("user ") != true)
                extraSettings += $"\nuser {TestUserName}";
        }
        int port = FreePorts.Tcp();
        string listening = listen?.Invoke(port) ?? (ipv6 ? $"127.0.0.1:{port}, [::1]:{port}" : $"127.0.0.1:{port}");
        string configPath = directory.Write("postmaster.cf",
            $"hostname {Hostname}\nlisten {listening}\nspool {directory.Path}/spool\n{extraSettings}\n{config}\n");
        var daemon = new DaemonProcess(directory, Launch(configPath, environment), port, configPath, environment);
        daemon.Attach();
        await daemon.WaitForLogAsync("started");
        return daemon;
    }

    static Process Launch(string configPath, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(PostmasterBinary.Path)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "-c", configPath, "daemon" })
            start.ArgumentList.Add(argument);
        start.Environment.Remove("JOURNAL_STREAM");
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return Process.Start(start)!;
    }

    void Attach()
    {
        Process process = _process;
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    /// <summary>SIGKILL: no shutdown at all, as in a crash or a power cut of the process.</summary>
    public async Task KillAsync()
    {
        Signal(SIGKILL);
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts the daemon again on the same configuration and spool (after <see cref="KillAsync"/>).</summary>
    public async Task RestartAsync()
    {
        int started = CountInLog("started");
        _process.Dispose();
        _process = Launch(ConfigPath, _environment);
        Attach();
        await WaitForLogAsync("started", started + 1);
    }

    void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.Append(line).Append('\n');
    }

    /// <summary>Waits until the log has a line containing <paramref name="text"/>.</summary>
    public async Task WaitForLogAsync(string text, int occurrences = 1, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(20));
        while (CountInLog(text) < occurrences)
        {
            if (_process.HasExited && CountInLog(text) < occurrences)
                throw new InvalidOperationException($"daemon exited with {_process.ExitCode}; log:\n{Log}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no \"{text}\" in the log after {limit ?? TimeSpan.FromSeconds(20)}; log:\n{Log}");
            await Task.Delay(20);
        }
    }

    int CountInLog(string text)
    {
        string log = Log;
        int count = 0;
        for (int at = log.IndexOf(text, StringComparison.Ordinal); at >= 0; at = log.IndexOf(text, at + text.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    public const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGTERM = 15;

    /// <summary>SIGTERM and wait; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
            Signal(SIGTERM);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _directory.Dispose();
    }

    /// <summary>The unprivileged user daemons started by root become.</summary>
    public const string TestUserName = "pm-e2e";

    static readonly Lazy<Task> TestUser = new(() => ProcessRunner.RunAsync("sh",
        ["-c", $"id -u {TestUserName} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin {TestUserName}"]));


    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
