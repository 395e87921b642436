using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Xunit;

namespace Postmaster.Tests.Smtp.Client.Peers;

/// <summary>A message as the aiosmtpd peer received it.</summary>
internal sealed record ReceivedMessage(string MailFrom, string[] RcptTos, string[] MailOptions, bool Tls, string? Auth, byte[] Content);

/// <summary>aiosmtpd_peer.py running as a child process on a free loopback port, with a directory for what it
/// receives. Disposing ends it (by its process id) and removes the directory.</summary>
internal sealed class AiosmtpdPeer : IAsyncDisposable
{
    const string Python = "/usr/bin/python3";   // Debian's python3-aiosmtpd is not on the pyenv python's path

    readonly Process _process;
    readonly DirectoryInfo _directory;

    AiosmtpdPeer(Process process, DirectoryInfo directory, IPAddress address, int port)
    {
        _process = process;
        _directory = directory;
        EndPoint = new IPEndPoint(address, port);
    }

    public IPEndPoint EndPoint { get; }

    public static Task<AiosmtpdPeer> StartAsync(params string[] options) => StartAsync(IPAddress.Loopback, 0, options);

    /// <summary>A peer on <paramref name="address"/> (any 127.x.y.z: Linux routes all of 127/8 to the loopback
    /// interface) and <paramref name="port"/> (0: a free one).</summary>
    public static async Task<AiosmtpdPeer> StartAsync(IPAddress address, int port, params string[] options)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("pm-aiosmtpd-");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ScriptPath());
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(directory.FullName);
        foreach (string option in (string[])["--host", address.ToString(), "--port", port.ToString(), .. options])
            start.ArgumentList.Add(option);
        Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
        {
            process.WaitForExit(5_000);
            Assert.Fail($"aiosmtpd peer did not start (scripts/install-deps installs python3-aiosmtpd): {line} {await stderr}");
        }
        return new AiosmtpdPeer(process, directory, address, int.Parse(line[5..]));
    }

    /// <summary>The script, next to the test's source when the build did not copy it to the output directory.</summary>
    static string ScriptPath([CallerFilePath] string source = "")
    {
        string copied = Path.Combine(AppContext.BaseDirectory, "Smtp", "Client", "Peers", "aiosmtpd_peer.py");
        return File.Exists(copied) ? copied : Path.Combine(Path.GetDirectoryName(source)!, "aiosmtpd_peer.py");
    }

    /// <summary>Every command received: <c>1 tls=0 buffered=0 MAIL FROM:&lt;a@b&gt;</c>.</summary>
    public string[] Transcript()
    {
        string path = Path.Combine(_directory.FullName, "transcript.log");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    /// <summary>The commands alone, without the connection, TLS and buffer fields.</summary>
    public string[] Commands() => [.. Transcript().Select(line => line.Split(' ', 4)[3])];

    public ReceivedMessage[] Messages()
    {
        var messages = new List<ReceivedMessage>();
        for (int n = 1; File.Exists(MessagePath(n, "json")); n++)
        {
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(MessagePath(n, "json")));
            JsonElement root = json.RootElement;
            messages.Add(new ReceivedMessage(
                root.GetProperty("mailFrom").GetString()!,
                [.. root.GetProperty("rcptTos").EnumerateArray().Select(e => e.GetString()!)],
                [.. root.GetProperty("mailOptions").EnumerateArray().Select(e => e.GetString()!)],
                root.GetProperty("tls").GetBoolean(),
                root.GetProperty("auth").GetString(),
                File.ReadAllBytes(MessagePath(n, "eml"))));
        }
        return [.. messages];
    }

    string MessagePath(int n, string extension) => Path.Combine(_directory.FullName, $"msg-{n}.{extension}");

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();           // the script exits when its stdin closes
            if (!_process.WaitForExit(5_000))
                _process.Kill();
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
            _directory.Delete(recursive: true);
        }
    }
}
