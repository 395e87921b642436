using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Queue;

/// <summary>relay(host:port) targets go out over SMTP: to Postfix's smtp-sink here, which keeps what it gets.</summary>
public sealed class DaemonRelayTests
{
    [Fact]
    public async Task RelaysToTheSmartHostAndTriesTheNextWhenOneIsDown()
    {
        using var sinkDirectory = new TempDirectory();
        File.SetUnixFileMode(sinkDirectory.Path, (UnixFileMode)0b111_111_111);
        int sinkPort = FreePorts.Tcp(), deadPort = FreePorts.Tcp();
        using Process sink = Process.Start(new ProcessStartInfo("smtp-sink",
            ["-u", "nobody", "-d", Path.Combine(sinkDirectory.Path, "%M."), $"127.0.0.1:{sinkPort}", "10"])
            { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            await using var daemon = await DaemonProcess.StartAsync(
                $"@relay.test relay(127.0.0.1:{deadPort}, 127.0.0.1:{sinkPort})\n@example.org maildir(/var/vmail/$USER/)");
            await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
            await dialog.ReadRepliesAsync(1);

            await dialog.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@relay.test>\r\nDATA\r\n");
            await dialog.ReadRepliesAsync(4);
            await dialog.SendAsync("Subject: relayed\r\n\r\n..leading dot\r\nrelayed body\r\n.\r\n");
            Assert.StartsWith("250 2.0.0", (await dialog.ReadRepliesAsync(1))[0]);

            await daemon.WaitForLogAsync("status=delivered");
            string dumped = await WaitForDumpAsync(sinkDirectory.Path);
            Assert.Contains("bob@relay.test", dumped);
            Assert.Contains("Subject: relayed", dumped);
            // The queued line ".leading dot" is stuffed on the way out and unstuffed by the sink.
            Assert.Contains("\n.leading dot\nrelayed body\n", dumped.Replace("\r\n", "\n"));
            Assert.Contains($"127.0.0.1:{sinkPort}", daemon.Log);
            await daemon.WaitForLogAsync("removed: all 1 recipients done");
            Assert.Empty(daemon.QueuedIds);
        }
        finally
        {
            sink.Kill();
            await sink.WaitForExitAsync();
        }
    }

    static async Task<string> WaitForDumpAsync(string directory)
    {
        for (int i = 0; i < 400; i++)
        {
            if (Directory.GetFiles(directory) is [var file, ..] && new FileInfo(file).Length > 0)
            {
                await Task.Delay(100);   // smtp-sink writes the file while the transaction runs
                return File.ReadAllText(file);
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"smtp-sink dumped nothing into {directory}");
    }

}
