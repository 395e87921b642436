using System.Collections.Concurrent;
using System.Diagnostics;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Queue;

/// <summary>No acknowledged message is ever lost: the daemon is killed with SIGKILL again and again while
/// clients send and the runner delivers into Maildirs; in the end every message that got its 250 is in a
/// Maildir, whole.</summary>
public sealed class CrashSafetyTests
{
    const int TrackedSessions = 6, Kills = 4;

    [Fact]
    public async Task EveryAcknowledgedMessageIsDeliveredWholeDespiteRepeatedKills()
    {
        using var mail = new TempDirectory();
        File.SetUnixFileMode(mail.Path, (UnixFileMode)0b111_111_111);
        await using var daemon = await DaemonProcess.StartAsync($"@example.org maildir({mail.Path}/$USER/)");
        var acknowledged = new ConcurrentBag<string>();
        var refusals = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        // Load: Postfix's smtp-source (10 sessions), plus tracked senders that remember every 250 they get.
        Task load = RunSmtpSourceAsync(daemon.Port, stop.Token);
        Task[] senders = [.. Enumerable.Range(0, TrackedSessions).Select(n => SendTrackedAsync(daemon.Port, n, acknowledged, refusals, stop.Token))];

        for (int kill = 0; kill < Kills; kill++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(700 + 300 * kill));
            await daemon.KillAsync();
            await Task.Delay(200);
            await daemon.RestartAsync();
        }
        await Task.Delay(1000);
        stop.Cancel();
        await Task.WhenAll([load, .. senders]);

        // Let the runner finish what is queued (the last restart delivers what the kills interrupted).
        for (int i = 0; i < 600 && daemon.QueuedIds.Length > 0; i++)
            await Task.Delay(50);
        if (daemon.QueuedIds is [var left, ..])
        {
            File.WriteAllText("/tmp/crash-test.log", daemon.Log);
            Assert.Fail($"{daemon.QueuedIds.Length} left in the queue, e.g.\n{daemon.EnvelopeText(left)}\n" +
                string.Join("\n", daemon.Log.Split('\n').Where(l => l.Contains(left) || l.Contains(" started ") || l.Contains("error:") || l.Contains("warning:"))));
        }

        Dictionary<string, int> delivered = DeliveredMarkers(Path.Combine(mail.Path, "tracked"));
        Assert.True(acknowledged.Count > 20,
            $"only {acknowledged.Count} tracked messages were acknowledged; first problems: {string.Join(" | ", refusals.TakeLast(5))}");
        string[] lost = [.. acknowledged.Where(marker => !delivered.ContainsKey(marker))];
        Assert.True(lost.Length == 0, $"lost {lost.Length} of {acknowledged.Count} acknowledged messages: {string.Join(", ", lost.Take(5))}\n{daemon.Log}");
        // Duplicates only from deliveries in flight at a kill: at most a few per kill.
        int duplicates = delivered.Values.Sum(count => count - 1);
        Assert.True(duplicates <= Kills * QueueRunnerLimit, $"{duplicates} duplicate deliveries");
    }

    const int QueueRunnerLimit = 20;

    /// <summary>About 2 KiB of body in lines well under the 1000-octet limit.</summary>
    static readonly string Filler = string.Concat(Enumerable.Repeat(new string('x', 78) + "\r\n", 26));

    /// <summary>Each marker once per file that holds it; a half-written file would fail the body check.</summary>
    static Dictionary<string, int> DeliveredMarkers(string maildir)
    {
        var markers = new Dictionary<string, int>();
        string newDirectory = Path.Combine(maildir, "new");
        if (!Directory.Exists(newDirectory))
            return markers;
        foreach (string file in Directory.GetFiles(newDirectory))
        {
            string text = File.ReadAllText(file);
            int at = text.IndexOf("X-Marker: ", StringComparison.Ordinal);
            Assert.True(at >= 0, $"{file} has no marker:\n{text}");
            string marker = text[(at + 10)..text.IndexOf('\n', at)];
            Assert.EndsWith($"\nbody of {marker}\n{Filler.Replace("\r\n", "\n")}end of {marker}\n", text);   // whole (mailboxes hold LF lines)
            markers[marker] = markers.GetValueOrDefault(marker) + 1;
        }
        return markers;
    }

    static async Task SendTrackedAsync(int port, int session, ConcurrentBag<string> acknowledged, ConcurrentQueue<string> refusals,
        CancellationToken stop)
    {
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            string marker = $"s{session}-m{n}";
            try
            {
                await using var dialog = await SmtpDialog.ConnectAsync(port);
                await dialog.ReadRepliesAsync(1);
                await dialog.SendAsync("EHLO tracked.test\r\nMAIL FROM:<load@example.net>\r\nRCPT TO:<tracked@example.org>\r\nDATA\r\n");
                string[] replies = await dialog.ReadRepliesAsync(4);
                if (!replies[3].StartsWith("354"))
                {
                    refusals.Enqueue(string.Join(" / ", replies));
                    continue;
                }
                await dialog.SendAsync($"X-Marker: {marker}\r\nSubject: crash test\r\n\r\nbody of {marker}\r\n{Filler}end of {marker}\r\n.\r\n");
                string reply = (await dialog.ReadRepliesAsync(1))[0];
                if (reply.StartsWith("250 "))
                    acknowledged.Add(marker);   // only now may the message count as ours to keep
                else
                    refusals.Enqueue(reply);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException or OperationCanceledException)
            {
                refusals.Enqueue(e.GetType().Name + ": " + e.Message);
                await Task.Delay(50, CancellationToken.None);   // the daemon is down for a moment
            }
        }
    }

    static async Task RunSmtpSourceAsync(int port, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var source = Process.Start(new ProcessStartInfo("smtp-source",
                ["-s", "10", "-m", "200", "-l", "4096", "-f", "source@example.net", "-t", "load@example.org", $"127.0.0.1:{port}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            try
            {
                await source.WaitForExitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                source.Kill();
                await source.WaitForExitAsync(CancellationToken.None);
            }
        }
    }
}
