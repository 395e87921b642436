using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Delivery;
using Postmaster.Platform;
using Xunit;

namespace Postmaster.Tests.Delivery;

[Collection(Postmaster.Tests.Spool.FileSystemSyncsTests.Collection)]
public class MaildirWriterTests
{
    static readonly DeliveryEnvelope Envelope = new("alice@example.org", "joe@example.net");
    const string Queued = "Subject: hi\r\nFrom: alice@example.org\r\n\r\nFrom the start\r\nbody\r\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // the daemon's own deliveries: shared syncfs and new/ fsync
    public async Task DeliversIntoNewWithReturnPathAndLfLineEnds(bool groupCommit)
    {
        using var scratch = new DeliveryScratch();
        string maildir = scratch.File("Maildir");
        var writer = new MaildirWriter(maildir + "/", groupCommit: groupCommit);

        DeliveryResult result = await writer.DeliverAsync(DeliveryScratch.Message(Queued), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        string[] files = DeliveryScratch.FilesUnder(maildir);
        string delivered = Assert.Single(files);
        Assert.StartsWith("new/", delivered);
        string expected = "Return-Path: <alice@example.org>\nSubject: hi\nFrom: alice@example.org\n\nFrom the start\nbody\n";
        Assert.Equal(expected, File.ReadAllText(Path.Combine(maildir, delivered)));   // no mboxrd quoting in a Maildir
        Assert.EndsWith($",S={Encoding.UTF8.GetByteCount(expected)}", delivered);
        Assert.Equal(writer.LastDelivered, Path.GetFileName(delivered));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // the daemon's own deliveries: shared syncfs and new/ fsync
    public async Task CreatesTheMaildirWithMode0700(bool groupCommit)
    {
        using var scratch = new DeliveryScratch();
        string maildir = scratch.File("deep/er/Maildir");
        await new MaildirWriter(maildir, groupCommit: groupCommit).DeliverAsync(DeliveryScratch.Message(Queued), Envelope, CancellationToken.None);

        foreach (string directory in new[] { maildir, maildir + "/cur", maildir + "/new", maildir + "/tmp", scratch.File("deep") })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        Assert.Empty(Directory.GetFiles(maildir + "/tmp"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Directory.GetFiles(maildir + "/new")[0]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // the daemon's own deliveries: shared syncfs and new/ fsync
    public async Task NamesFollowTheMaildirSpecAndNeverRepeat(bool groupCommit)
    {
        using var scratch = new DeliveryScratch();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4560));
        var writer = new MaildirWriter(scratch.File("Maildir"), time, groupCommit);     // the same microsecond every time

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            writer.DeliverAsync(DeliveryScratch.Message(Queued), Envelope, CancellationToken.None)));

        string[] names = [.. Directory.GetFiles(scratch.File("Maildir/new")).Select(Path.GetFileName)!];
        Assert.Equal(20, names.Distinct().Count());
        foreach (string name in names)
            Assert.Matches(new Regex($@"^1700000000\.M123456P{Environment.ProcessId}Q[0-9]+\.[^/:]+,S=[0-9]+$"), name);
    }

    [Theory]
    [InlineData("mx.example.org", "mx.example.org")]
    [InlineData("a/b:c", @"a\057b\072c")]
    public void EscapesSlashAndColonInTheHostName(string host, string escaped) =>
        Assert.Equal(escaped, MaildirWriter.EscapeHost(host));

    [Fact]
    public async Task APathThatIsAFileDefersAndLeavesNothing()
    {
        using var scratch = new DeliveryScratch();
        string notADirectory = scratch.Write("file", "x");

        DeliveryResult result = await new MaildirWriter(notADirectory + "/Maildir").DeliverAsync(
            DeliveryScratch.Message(Queued), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Equal("4.2.0", result.Status);
        Assert.Contains("Not a directory", result.Diagnostic);
        Assert.Equal("x", File.ReadAllText(notADirectory));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // the daemon's own deliveries: shared syncfs and new/ fsync
    public async Task AnUnwritableMaildirDefersAndLeavesNothing(bool groupCommit)
    {
        using var scratch = new DeliveryScratch();
        string maildir;
        if (Privileges.IsRoot && scratch.MountTmpfs("ro", 256) is { } mount)
        {
            // Root ignores file modes: make the file system itself read-only, after the Maildir exists.
            maildir = Path.Combine(mount, "Maildir");
            foreach (string sub in new[] { "cur", "new", "tmp" })
                Directory.CreateDirectory(Path.Combine(maildir, sub));
            DeliveryScratch.RemountReadOnly(mount);
        }
        else
        {
            maildir = scratch.File("Maildir");
            foreach (string sub in new[] { "cur", "new", "tmp" })
                Directory.CreateDirectory(Path.Combine(maildir, sub));
            File.SetUnixFileMode(Path.Combine(maildir, "tmp"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        DeliveryResult result = await new MaildirWriter(maildir, groupCommit: groupCommit).DeliverAsync(DeliveryScratch.Message(Queued), Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Equal("4.2.0", result.Status);
        Assert.Contains("cannot create tmp/", result.Diagnostic);
        Assert.Empty(DeliveryScratch.FilesUnder(maildir));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFullDiskDefersWith431AndLeavesNothing(bool groupCommit)
    {
        using var scratch = new DeliveryScratch();
        string? mount = scratch.MountTmpfs("full", 64);
        Skip.If(mount is null, "needs root to mount a small tmpfs");
        string maildir = Path.Combine(mount, "Maildir");

        DeliveryResult result = await new MaildirWriter(maildir, groupCommit: groupCommit).DeliverAsync(DeliveryScratch.LargeMessage(300_000), Envelope,
            CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Equal("4.3.1", result.Status);
        Assert.Contains("No space left on device", result.Diagnostic);
        Assert.Empty(DeliveryScratch.FilesUnder(maildir));      // the partial tmp/ file is gone, new/ never saw it

        // And once there is room again, the same writer delivers.
        DeliveryResult small = await new MaildirWriter(maildir, groupCommit: groupCommit).DeliverAsync(DeliveryScratch.Message(Queued), Envelope, CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Delivered, small.Outcome);
    }

    [Fact]
    public async Task WithoutASenderThereIsNoReturnPath()
    {
        using var scratch = new DeliveryScratch();
        string maildir = scratch.File("Maildir");
        await new MaildirWriter(maildir).DeliverAsync(DeliveryScratch.Message("a\r\n"), new DeliveryEnvelope(), CancellationToken.None);
        Assert.Equal("a\n", File.ReadAllText(Directory.GetFiles(maildir + "/new")[0]));

        await new MaildirWriter(maildir).DeliverAsync(DeliveryScratch.Message("b\r\n"), new DeliveryEnvelope(Sender: ""), CancellationToken.None);
        Assert.Contains("Return-Path: <>\nb\n", Directory.GetFiles(maildir + "/new").Select(File.ReadAllText));
    }
}
