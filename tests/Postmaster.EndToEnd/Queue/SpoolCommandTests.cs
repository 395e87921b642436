using System.Diagnostics;
using System.Text.Json;
using Postmaster.EndToEnd.Submission;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Queue;

/// <summary><c>spool list|show|retry|delete|bounce</c> against a spool the daemon filled: what each changes
/// shows in <c>spool list</c>, ids that are wrong or unknown, and a message held by a runner's lock.</summary>
public sealed class SpoolCommandTests
{
    /// <summary>A stopped daemon's spool with three messages from alice waiting (the next hop never answers).</summary>
    static async Task<(DaemonProcess Daemon, string[] Ids)> QueueThreeAsync()
    {
        var daemon = await DaemonProcess.StartAsync(SendmailCommandTests.Routes);
        foreach (string rcpt in new[] { "bob", "carol", "dave" })
        {
            ProcessResult sent = await SendmailCommandTests.SendmailAsync(daemon, $"Subject: to {rcpt}\n\nHello.\n",
                "-f", "alice@example.net", $"{rcpt}@example.org");
            Assert.True(sent.ExitCode == 0, sent + daemon.Log);
        }
        await daemon.StopAsync();     // nothing changes the queue under the test from here on
        return (daemon, daemon.QueuedIds);
    }

    static Task<ProcessResult> SpoolAsync(DaemonProcess daemon, params string[] arguments) =>
        PostmasterBinary.RunAsync(["-c", daemon.ConfigPath, "spool", .. arguments]);

    static async Task<JsonElement[]> ListJsonAsync(DaemonProcess daemon)
    {
        ProcessResult list = await SpoolAsync(daemon, "list", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        using JsonDocument document = JsonDocument.Parse(list.StandardOutput);
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    [Fact]
    public async Task ListsTheQueueAsTextAndAsJson()
    {
        (DaemonProcess daemon, string[] ids) = await QueueThreeAsync();
        await using (daemon)
        {
            ProcessResult text = await SpoolAsync(daemon, "list");
            JsonElement[] json = await ListJsonAsync(daemon);

            Assert.True(text.ExitCode == 0, text.ToString());
            foreach (string id in ids)
                Assert.Matches($@"(?m)^{id}  \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ +\d+ octets  from <alice@example\.net>$", text.StandardOutput);
            Assert.Contains("  pending    <carol@example.org>  relay(127.0.0.1:9)\n", text.StandardOutput);
            Assert.Matches(@"-- 3 messages \(\d KiB\), 3 recipients pending\n$", text.StandardOutput);

            Assert.Equal(ids, json.Select(e => e.GetProperty("queue_id").GetString()));
            JsonElement first = json[0];
            Assert.Equal("alice@example.net", first.GetProperty("sender").GetString());
            Assert.True(first.GetProperty("message_size").GetInt64() > 0);
            Assert.True(first.GetProperty("arrival_time").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
            JsonElement recipient = Assert.Single(first.GetProperty("recipients").EnumerateArray());
            Assert.Equal("bob@example.org", recipient.GetProperty("address").GetString());
            Assert.Equal("pending", recipient.GetProperty("state").GetString());
            Assert.Equal("relay(127.0.0.1:9)", recipient.GetProperty("mailer").GetString());
        }
    }

    [Fact]
    public async Task RetryDeleteAndBounceChangeWhatTheListShows()
    {
        (DaemonProcess daemon, string[] ids) = await QueueThreeAsync();
        await using (daemon)
        {
            DateTimeOffset before = DateTimeOffset.UtcNow;

            ProcessResult retry = await SpoolAsync(daemon, "retry", ids[0]);
            ProcessResult delete = await SpoolAsync(daemon, "delete", ids[1].ToLowerInvariant());
            ProcessResult bounce = await SpoolAsync(daemon, "bounce", ids[2]);

            Assert.Equal((0, $"{ids[0]}: due now\n"), (retry.ExitCode, retry.StandardOutput));
            Assert.Equal((0, $"{ids[1]}: deleted\n"), (delete.ExitCode, delete.StandardOutput));
            Assert.Equal((0, $"{ids[2]}: bounced: the sender is told\n"), (bounce.ExitCode, bounce.StandardOutput));
            JsonElement[] json = await ListJsonAsync(daemon);
            Assert.DoesNotContain(json, e => e.GetProperty("queue_id").GetString() == ids[1]);
            JsonElement retried = json.Single(e => e.GetProperty("queue_id").GetString() == ids[0]);
            DateTimeOffset next = retried.GetProperty("next_attempt").GetDateTimeOffset();
            Assert.InRange(next, before.AddSeconds(-1), DateTimeOffset.UtcNow);
            // The bounced message's recipients have failed; the queue runner sends the notice and removes it.
            foreach (JsonElement bounced in json.Where(e => e.GetProperty("queue_id").GetString() == ids[2]))
            {
                JsonElement recipient = Assert.Single(bounced.GetProperty("recipients").EnumerateArray());
                Assert.Equal(("failed", "5.0.0 returned by the administrator"),
                    (recipient.GetProperty("state").GetString(), recipient.GetProperty("last_error").GetString()));
            }

            // Every change is logged, with who made it.
            string user = Environment.UserName;
            Assert.Contains($"{ids[0]} retry requested by uid=", retry.StandardError);
            Assert.Contains($"{ids[1]} deleted by uid=", delete.StandardError);
            Assert.Contains($"({user})", delete.StandardError);
            Assert.Contains($"{ids[2]} bounced by uid=", bounce.StandardError);
        }
    }

    [Fact]
    public async Task ShowsTheEnvelopeHistoryAndTheMessage()
    {
        (DaemonProcess daemon, string[] ids) = await QueueThreeAsync();
        await using (daemon)
        {
            ProcessResult show = await SpoolAsync(daemon, "show", ids[0]);

            Assert.True(show.ExitCode == 0, show.ToString());
            Assert.StartsWith($"Queue ID:      {ids[0]}\nArrival:       ", show.StandardOutput);
            Assert.Contains("\nSender:        <alice@example.net>\n", show.StandardOutput);
            Assert.Contains("\nRecipients:\n  pending    <bob@example.org>  relay(127.0.0.1:9)\n", show.StandardOutput);
            Assert.Contains(" octets) ---\nReceived: from mx.test.example (local submission, uid ", show.StandardOutput);
            Assert.Contains("\nSubject: to bob\nDate: ", show.StandardOutput);
            Assert.EndsWith("\n\nHello.\n", show.StandardOutput);
        }
    }

    [Theory]
    [InlineData("show", "not-an-id", 64, "postmaster spool: \"not-an-id\" is not a queue id (14 letters and digits, as spool list shows)")]
    [InlineData("delete", "0000000000000Z", 67, "postmaster spool: 0000000000000Z is not in the queue")]
    [InlineData("retry", "0000000000000Z", 67, "postmaster spool: 0000000000000Z is not in the queue")]
    [InlineData("bounce", "0000000000000Z", 67, "postmaster spool: 0000000000000Z is not in the queue")]
    [InlineData("show", "0000000000000Z", 67, "postmaster spool: 0000000000000Z is not in the queue")]
    public async Task AnswersAWrongIdWithOneLine(string command, string id, int exitCode, string line)
    {
        (DaemonProcess daemon, _) = await QueueThreeAsync();
        await using (daemon)
        {
            ProcessResult result = await SpoolAsync(daemon, command, id);

            Assert.Equal(exitCode, result.ExitCode);
            Assert.Equal(line + "\n", result.StandardError);
            Assert.Equal(3, daemon.QueuedIds.Length);
        }
    }

    [Fact]
    public async Task LeavesAMessageBeingDeliveredAlone()
    {
        (DaemonProcess daemon, string[] ids) = await QueueThreeAsync();
        await using (daemon)
        {
            // A runner's lock on the message, taken by another process (POSIX and OFD record locks conflict).
            var holder = Process.Start(new ProcessStartInfo("python3", ["-c",
                "import fcntl, sys; f = open(sys.argv[1], 'r+b'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()",
                Path.Combine(daemon.QueueDirectory, ids[0] + ".msg")])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
            })!;
            try
            {
                Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());

                ProcessResult retry = await SpoolAsync(daemon, "retry", ids[0]);
                ProcessResult delete = await SpoolAsync(daemon, "delete", ids[0]);
                ProcessResult all = await SpoolAsync(daemon, "retry", "--all");

                Assert.Equal(75, retry.ExitCode);
                Assert.Equal($"postmaster spool: {ids[0]} is being delivered now; try again when that attempt is over\n", retry.StandardError);
                Assert.Equal(75, delete.ExitCode);
                Assert.Equal(0, all.ExitCode);
                Assert.Equal($"{ids[0]}: being delivered now\n-- 2 messages due now\n", all.StandardOutput);
                Assert.Contains(ids[0], daemon.QueuedIds);
            }
            finally
            {
                holder.StandardInput.Close();
                await holder.WaitForExitAsync();
            }
        }
    }

    [Fact]
    public async Task DeletesWhileTheDaemonRuns()
    {
        await using var daemon = await DaemonProcess.StartAsync(SendmailCommandTests.Routes);
        ProcessResult sent = await SendmailCommandTests.SendmailAsync(daemon, "Subject: t\n\nx\n", "bob@example.org");
        Assert.True(sent.ExitCode == 0, sent + daemon.Log);
        string id = Assert.Single(daemon.QueuedIds);

        ProcessResult delete = await SpoolAsync(daemon, "delete", id);
        for (int i = 0; i < 50 && delete.ExitCode == 75; i++)     // the runner's first attempt may hold it a moment
        {
            await Task.Delay(100);
            delete = await SpoolAsync(daemon, "delete", id);
        }

        Assert.True(delete.ExitCode == 0, delete + daemon.Log);
        Assert.Empty(daemon.QueuedIds);
        Assert.EndsWith("-- 0 messages: the queue is empty\n", (await SpoolAsync(daemon, "list")).StandardOutput);
        Assert.False(daemon.HasExited);
    }
}
