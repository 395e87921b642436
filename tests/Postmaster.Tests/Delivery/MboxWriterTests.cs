using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Delivery;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class MboxWriterTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 5, 7, TimeSpan.Zero);
    static readonly DeliveryEnvelope Envelope = new("alice@example.org", "joe@example.net");

    static MboxWriter Writer(string path, TimeSpan? lockTimeout = null)
    {
        var time = new FakeTimeProvider(Now);
        time.SetLocalTimeZone(TimeZoneInfo.Utc);
        return new MboxWriter(path, time) { LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(5) };
    }

    [Fact]
    public async Task AppendsEntriesByteForByte()
    {
        using var scratch = new DeliveryScratch();
        string mbox = scratch.File("joe.mbox");

        Assert.Equal(DeliveryOutcome.Delivered, (await Writer(mbox).DeliverAsync(
            DeliveryScratch.Message("Subject: one\r\n\r\nFrom here\r\n>From there\r\nend\r\n"), Envelope, CancellationToken.None)).Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, (await Writer(mbox).DeliverAsync(
            DeliveryScratch.Message("Subject: two\r\n\r\nno final line end"), new DeliveryEnvelope(Sender: ""), CancellationToken.None)).Outcome);

        string expected =
            "From alice@example.org Sun Mar  1 09:05:07 2026\n" +
            "Return-Path: <alice@example.org>\n" +
            "Subject: one\n\n>From here\n>>From there\nend\n" +
            "\n" +
            "From MAILER-DAEMON Sun Mar  1 09:05:07 2026\n" +
            "Return-Path: <>\n" +
            "Subject: two\n\nno final line end\n" +
            "\n";
        Assert.Equal(expected, File.ReadAllText(mbox));
        Assert.False(File.Exists(mbox + ".lock"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(mbox));
    }

    [Theory]
    [InlineData(null, "From MAILER-DAEMON Sun Mar  1 09:05:07 2026\n")]
    [InlineData("", "From MAILER-DAEMON Sun Mar  1 09:05:07 2026\n")]
    [InlineData("bob@example.org", "From bob@example.org Sun Mar  1 09:05:07 2026\n")]
    [InlineData("\"a b\"@example.org", "From \"a_b\"@example.org Sun Mar  1 09:05:07 2026\n")]
    [InlineData("x\r\nFrom: forged@example.org", "From xFrom:_forged@example.org Sun Mar  1 09:05:07 2026\n")]
    public void FromLineHasTheSenderAndAnAsctimeDate(string? sender, string expected) =>
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(MboxWriter.FromLine(sender, Now)));

    [Fact]
    public void AsctimeHasATwoDigitDay() =>
        Assert.Equal("From a Mon Nov 24 18:22:48 1986\n", System.Text.Encoding.UTF8.GetString(
            MboxWriter.FromLine("a", new DateTimeOffset(1986, 11, 24, 18, 22, 48, TimeSpan.Zero))));

    [Fact]
    public async Task AFreshDotLockDefersAndIsLeftAlone()
    {
        using var scratch = new DeliveryScratch();
        string mbox = scratch.Write("joe.mbox", "old\n");
        File.WriteAllText(mbox + ".lock", "12345\n");

        DeliveryResult result = await Writer(mbox, TimeSpan.FromMilliseconds(300)).DeliverAsync(
            DeliveryScratch.Message("x\r\n"), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Equal("4.2.0", result.Status);
        Assert.Contains(".lock", result.Diagnostic);
        Assert.Equal("old\n", File.ReadAllText(mbox));
        Assert.True(File.Exists(mbox + ".lock"));
    }

    [Fact]
    public async Task AStaleDotLockIsTakenOver()
    {
        using var scratch = new DeliveryScratch();
        string mbox = scratch.File("joe.mbox");
        File.WriteAllText(mbox + ".lock", "");
        File.SetLastWriteTimeUtc(mbox + ".lock", DateTime.UtcNow - TimeSpan.FromMinutes(6));

        DeliveryResult result = await Writer(mbox, TimeSpan.FromMilliseconds(300)).DeliverAsync(
            DeliveryScratch.Message("x\r\n"), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.False(File.Exists(mbox + ".lock"));
    }

    [Fact]
    public async Task AnFcntlLockOfAnotherProcessDefersUntilItIsReleased()
    {
        using var scratch = new DeliveryScratch();
        string mbox = scratch.Write("joe.mbox", "old\n");
        // A mail reader holding a classic POSIX record lock (lockf → F_SETLK), in another process.
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import fcntl,sys\nf=open(sys.argv[1],'a')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\nsys.stdin.read()");
        start.ArgumentList.Add(mbox);
        using (Process reader = Process.Start(start)!)
        {
            Assert.Equal("locked", await reader.StandardOutput.ReadLineAsync());

            DeliveryResult blocked = await Writer(mbox, TimeSpan.FromMilliseconds(400)).DeliverAsync(
                DeliveryScratch.Message("x\r\n"), Envelope, CancellationToken.None);
            Assert.Equal(DeliveryOutcome.Deferred, blocked.Outcome);
            Assert.Contains("fcntl", blocked.Diagnostic);
            Assert.Equal("old\n", File.ReadAllText(mbox));
            Assert.False(File.Exists(mbox + ".lock"));          // our dot-lock went with the failure

            // Released while we wait: the delivery goes through.
            Task<DeliveryResult> waiting = Writer(mbox, TimeSpan.FromSeconds(10)).DeliverAsync(
                DeliveryScratch.Message("x\r\n"), Envelope, CancellationToken.None);
            await Task.Delay(200);
            reader.StandardInput.Close();
            Assert.Equal(DeliveryOutcome.Delivered, (await waiting).Outcome);
            await reader.WaitForExitAsync();
        }
        Assert.StartsWith("old\nFrom alice@example.org ", File.ReadAllText(mbox));
    }

    [Fact]
    public async Task ConcurrentWritersNeverInterleave()
    {
        using var scratch = new DeliveryScratch();
        string mbox = scratch.File("joe.mbox");
        string body = string.Concat(Enumerable.Repeat("line of the message body\r\n", 2000));

        DeliveryResult[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Writer(mbox, TimeSpan.FromSeconds(30)).DeliverAsync(DeliveryScratch.Message($"Subject: {i}\r\n\r\n{body}"), Envelope,
                CancellationToken.None)));

        Assert.All(results, r => Assert.Equal(DeliveryOutcome.Delivered, r.Outcome));
        string expectedBody = body.Replace("\r\n", "\n");
        string[] entries = File.ReadAllText(mbox).Split("From alice@example.org Sun Mar  1 09:05:07 2026\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, entries.Length);
        Assert.All(entries, entry => Assert.Matches($"^Return-Path: <alice@example.org>\nSubject: [0-7]\n\n{expectedBody}\n$", entry));
    }

    [Fact]
    public async Task ASymbolicLinkIsNotFollowed()
    {
        using var scratch = new DeliveryScratch();
        string target = scratch.Write("elsewhere", "precious\n");
        string mbox = scratch.File("joe.mbox");
        File.CreateSymbolicLink(mbox, target);

        DeliveryResult result = await Writer(mbox).DeliverAsync(DeliveryScratch.Message("x\r\n"), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Equal("precious\n", File.ReadAllText(target));
    }

    [SkippableFact]
    public async Task AFailedWriteIsTruncatedBackToTheOldSize()
    {
        using var scratch = new DeliveryScratch();
        string? mount = scratch.MountTmpfs("full", 64);
        Skip.If(mount is null, "needs root to mount a small tmpfs");
        string mbox = Path.Combine(mount, "joe.mbox");
        Assert.Equal(DeliveryOutcome.Delivered, (await Writer(mbox).DeliverAsync(
            DeliveryScratch.Message("Subject: first\r\n\r\nfits\r\n"), Envelope, CancellationToken.None)).Outcome);
        byte[] before = File.ReadAllBytes(mbox);

        DeliveryResult result = await Writer(mbox).DeliverAsync(DeliveryScratch.LargeMessage(300_000), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Equal("4.3.1", result.Status);
        Assert.Equal(before, File.ReadAllBytes(mbox));
        Assert.False(File.Exists(mbox + ".lock"));
    }

    [Fact]
    public async Task AnUnwritableMailboxDefers()
    {
        using var scratch = new DeliveryScratch();
        string directory;
        if (scratch.MountTmpfs("ro", 64, readOnly: true) is { } mount)
            directory = mount;
        else
        {
            directory = scratch.File("locked");
            Directory.CreateDirectory(directory);
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        DeliveryResult result = await Writer(Path.Combine(directory, "joe.mbox")).DeliverAsync(
            DeliveryScratch.Message("x\r\n"), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Equal("4.2.0", result.Status);
        Assert.Empty(Directory.GetFiles(directory));
    }
}
