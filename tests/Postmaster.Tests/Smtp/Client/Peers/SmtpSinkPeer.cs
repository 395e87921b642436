using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using Postmaster.Tests.Support;

namespace Postmaster.Tests.Smtp.Client.Peers;

/// <summary>Postfix's smtp-sink on a free loopback port, dumping each transaction into a directory (one file per
/// message: X-Rcpt-Args lines, then the content with LF line ends).</summary>
internal sealed class SmtpSinkPeer : IDisposable
{
    const string Program = "/usr/sbin/smtp-sink";

    readonly Process _process;
    readonly DirectoryInfo _directory;

    SmtpSinkPeer(Process process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    public IPEndPoint EndPoint { get; }

    public static async Task<SmtpSinkPeer> StartAsync()
    {
        Assert.True(File.Exists(Program), "smtp-sink is missing (scripts/install-deps installs postfix)");
        DirectoryInfo directory = Directory.CreateTempSubdirectory("pm-smtp-sink-");
        // As root smtp-sink must drop to a user (-u), who then has to be able to write the dumps.
        directory.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        int port = FreePorts.Tcp();
        var start = new ProcessStartInfo(Program) { RedirectStandardError = true, RedirectStandardOutput = true };
        if (Environment.IsPrivilegedProcess)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("nobody");
        }
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add(Path.Combine(directory.FullName, "%H%M%S."));
        start.ArgumentList.Add($"127.0.0.1:{port}");
        start.ArgumentList.Add("64");
        Process process = Process.Start(start)!;
        var sink = new SmtpSinkPeer(process, directory, port);
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return sink;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        sink.Dispose();
        Assert.Fail("smtp-sink did not start listening");
        return null!;
    }

    /// <summary>The dumped transactions, one string per message.</summary>
    public string[] Dumps() => [.. _directory.GetFiles().OrderBy(f => f.Name).Select(f => File.ReadAllText(f.FullName))];


    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill();
            _process.WaitForExit();
        }
        finally
        {
            _process.Dispose();
            _directory.Delete(recursive: true);
        }
    }
}
