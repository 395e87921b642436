using System.Runtime.Versioning;
using System.Security.Cryptography;
using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Spool;

[SupportedOSPlatform("linux")]
public sealed class SpoolDirectoryTests : IDisposable
{
    readonly TempSpool _temp = new();

    SpoolDirectory Spool => _temp.Spool;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void CreatesPrivateDirectories()
    {
        foreach (string name in new[] { "tmp", "queue", "corrupt" })
        {
            Assert.True(Directory.Exists(Path.Combine(_temp.Root, name)), name);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                         File.GetUnixFileMode(Path.Combine(_temp.Root, name)));
        }
    }

    [Fact]
    public async Task CreatesThePrivateBodyFileInTmp()
    {
        await using IncomingMessage message = Spool.Create();

        Assert.Equal([$"{message.Id}.msg"], TempSpool.Names(_temp.Tmp()));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_temp.Tmp($"{message.Id}.msg")));
    }

    [Fact]
    public async Task GivesBackTheSameBytesAndEnvelopeAfterACommit()
    {
        byte[] body = RandomNumberGenerator.GetBytes(200_000);     // several 64 KiB buffers

        Envelope envelope = await _temp.CommitAsync(body, "bob@example.org", "carol@example.org");

        Assert.Equal([envelope.Id], Spool.List());
        Assert.Equal(envelope, Spool.ReadEnvelope(envelope.Id));
        await using Stream stream = Spool.OpenMessage(envelope.Id);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(body, copy.ToArray());
        Assert.Empty(TempSpool.Names(_temp.Tmp()));
        Assert.Equal([$"{envelope.Id}.env", $"{envelope.Id}.msg"], TempSpool.Names(_temp.Queue()));
        Assert.Contains(_temp.Log.Lines, l => l.Id.Id == 200 && l.Text == $"{envelope.Id} committed from=<alice@example.org> nrcpt=2 size=200000");
    }

    [Fact]
    public async Task SurvivesARestartAfterACommit()
    {
        Envelope envelope = await _temp.CommitAsync("Subject: hi\r\n\r\nhello\r\n"u8.ToArray());

        SpoolDirectory restarted = _temp.Restart();

        Assert.Equal([envelope.Id], restarted.List());
        Assert.Equal(envelope, restarted.ReadEnvelope(envelope.Id));
    }

    [Fact]
    public async Task MakesSixtyFourConcurrentCommitsDurableWithFewerDirectoryFsyncs()
    {
        Spool.QueueSync.BeforeSync = () => Thread.Sleep(5);        // a disk where fsync takes a while
        long syncsBefore = Spool.QueueSync.SyncCount;

        var bodies = Enumerable.Range(0, 64).Select(i => RandomNumberGenerator.GetBytes(1000 + i)).ToArray();
        Envelope[] envelopes = await Task.WhenAll(bodies.Select(body => Task.Run(() => _temp.CommitAsync(body))));

        long syncs = Spool.QueueSync.SyncCount - syncsBefore;
        Assert.InRange(syncs, 1, 63);
        Assert.Equal(envelopes.Select(e => e.Id).Order(), Spool.List());
        SpoolDirectory restarted = _temp.Restart();
        for (int i = 0; i < envelopes.Length; i++)
        {
            Assert.Equal(envelopes[i], restarted.ReadEnvelope(envelopes[i].Id));
            Assert.Equal(bodies[i], await File.ReadAllBytesAsync(_temp.Queue($"{envelopes[i].Id}.msg")));
        }
    }

    [Fact]
    public async Task SharesOneSyncfsOfTheFileContentsAmongConcurrentCommits()
    {
        Spool.FileSync.BeforeSync = () => Thread.Sleep(5);
        ThreadPool.GetMinThreads(out int workers, out int ports);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), ports);    // as the daemon does: commits block pool threads
        long syncsBefore = Spool.FileSync.SyncCount;

        Envelope[] envelopes = await Task.WhenAll(Enumerable.Range(0, 32)
            .Select(i => Task.Run(() => _temp.CommitAsync(RandomNumberGenerator.GetBytes(500 + i)))));

        Assert.InRange(Spool.FileSync.SyncCount - syncsBefore, 1, 31);
        Assert.Equal(envelopes.Select(e => e.Id).Order(), Spool.List());
    }

    [Fact]
    public async Task RenamesNothingIntoTheQueueBeforeTheContentsAreSynced()
    {
        using var syncStarted = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Spool.FileSync.BeforeSync = () =>
        {
            syncStarted.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        };

        Task<Envelope> commit = Task.Run(() => _temp.CommitAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray()));
        Assert.True(syncStarted.Wait(TimeSpan.FromSeconds(10)));
        Assert.Empty(TempSpool.Names(_temp.Queue()));       // a crash now loses nothing that was acknowledged
        release.Set();
        Envelope committed = await commit;

        Assert.Equal([committed.Id], Spool.List());
    }

    [Fact]
    public async Task A_failed_syncfs_fails_the_commit_and_leaves_nothing_behind()
    {
        Spool.FileSync.BeforeSync = () => throw new IOException("syncfs: Input/output error");

        await Assert.ThrowsAsync<IOException>(() => _temp.CommitAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray()));

        Assert.Empty(Spool.List());
        Assert.Empty(TempSpool.Names(_temp.Tmp()));
        Assert.Empty(TempSpool.Names(_temp.Queue()));
    }

    [Fact]
    public async Task DiscardsTheBodyWhenDisposedWithoutCommit()
    {
        await using (IncomingMessage message = Spool.Create())
            await message.Body.WriteAsync("half a message"u8.ToArray());

        Assert.Empty(TempSpool.Names(_temp.Tmp()));
        Assert.Empty(Spool.List());
    }

    [Fact]
    public async Task RemovesItsTmpFilesWhenACommitFails()
    {
        await using IncomingMessage message = Spool.Create();
        await message.Body.WriteAsync("body"u8.ToArray());
        Directory.Delete(_temp.Queue());                           // the renames into queue/ will fail (ENOENT)

        var error = await Assert.ThrowsAnyAsync<IOException>(
            () => Spool.CommitAsync(message, TempSpool.SampleEnvelope(message.Id, 4), CancellationToken.None));

        Assert.Contains("rename", error.Message);
        Assert.Empty(TempSpool.Names(_temp.Tmp()));
        Assert.Contains(_temp.Log.Lines, l => l.Id.Id == 202 && l.Text.StartsWith($"{message.Id} commit failed: rename "));
    }

    [Fact]
    public async Task NeverReplacesAQueuedFileWithTheSameName()
    {
        await using IncomingMessage message = Spool.Create();
        await File.WriteAllTextAsync(_temp.Queue($"{message.Id}.msg"), "someone else's message");

        await Assert.ThrowsAnyAsync<IOException>(
            () => Spool.CommitAsync(message, TempSpool.SampleEnvelope(message.Id, 0), CancellationToken.None));

        Assert.Equal("someone else's message", await File.ReadAllTextAsync(_temp.Queue($"{message.Id}.msg")));
        Assert.Empty(TempSpool.Names(_temp.Tmp()));
        Assert.Equal([$"{message.Id}.msg"], TempSpool.Names(_temp.Queue()));
    }

    [Fact]
    public async Task RefusesAnEnvelopeOfAnotherMessage()
    {
        await using IncomingMessage message = Spool.Create();

        await Assert.ThrowsAsync<ArgumentException>(() => Spool.CommitAsync(
            message, TempSpool.SampleEnvelope(QueueId.New(TimeProvider.System), 0), CancellationToken.None));
    }

    [Fact]
    public async Task RewritesTheEnvelopeAtomically()
    {
        Envelope original = await _temp.CommitAsync("x\r\n"u8.ToArray());
        long inode = Inode(_temp.Queue($"{original.Id}.env"));
        using var stop = new CancellationTokenSource();
        int reads = 0;
        Task reader = Task.Run(() =>
        {
            // Readers see the old or the new envelope, never a mixture or an empty file.
            while (!stop.IsCancellationRequested)
            {
                string text = File.ReadAllText(_temp.Queue($"{original.Id}.env"));
                if (!EnvelopeFormat.TryParse(text, out _, out string? problem))
                    throw new Xunit.Sdk.XunitException($"torn read: {problem}");
                reads++;
            }
        });

        Envelope updated = original;
        for (int attempt = 1; attempt <= 50; attempt++)
        {
            updated = original with
            {
                Attempts = attempt,
                LastError = $"attempt {attempt}: 451 4.4.1 try later",
                Recipients = [original.Recipients[0] with { State = DeliveryState.Pending, LastError = new string('x', attempt * 40) }],
            };
            await Spool.RewriteEnvelopeAsync(updated, CancellationToken.None);
            if (attempt == 1)       // a new file renamed over the old one (later, freed inode numbers come back)
                Assert.NotEqual(inode, Inode(_temp.Queue($"{original.Id}.env")));
        }
        stop.Cancel();
        await reader;

        Assert.Equal(updated, Spool.ReadEnvelope(original.Id));
        Assert.Empty(TempSpool.Names(_temp.Tmp()));
        Assert.True(reads > 0);
    }

    [Fact]
    public async Task DoesNotRewriteARemovedMessage()
    {
        Envelope envelope = await _temp.CommitAsync("x\r\n"u8.ToArray());
        Spool.Remove(envelope.Id);

        await Assert.ThrowsAsync<FileNotFoundException>(() => Spool.RewriteEnvelopeAsync(envelope, CancellationToken.None));

        Assert.Empty(TempSpool.Names(_temp.Queue()));
        Assert.Empty(TempSpool.Names(_temp.Tmp()));
    }

    [Fact]
    public async Task RemovesBothFiles()
    {
        Envelope kept = await _temp.CommitAsync("kept\r\n"u8.ToArray());
        Envelope removed = await _temp.CommitAsync("removed\r\n"u8.ToArray());

        Spool.Remove(removed.Id);

        Assert.Equal([kept.Id], Spool.List());
        Assert.Null(Spool.ReadEnvelope(removed.Id));
        Assert.Equal([$"{kept.Id}.env", $"{kept.Id}.msg"], TempSpool.Names(_temp.Queue()));
        Assert.Empty(TempSpool.Names(_temp.Corrupt()));
        Assert.Contains(_temp.Log.Lines, l => l.Text == $"{removed.Id} removed");
    }

    [Fact]
    public void ReadsNothingForAnUnknownId() => Assert.Null(Spool.ReadEnvelope(QueueId.New(TimeProvider.System)));

    [Fact]
    public async Task MovesAnEnvelopeWithAnotherIdToCorrupt()
    {
        Envelope envelope = await _temp.CommitAsync("x\r\n"u8.ToArray());
        Envelope other = envelope with { Id = QueueId.New(TimeProvider.System) };
        await File.WriteAllTextAsync(_temp.Queue($"{envelope.Id}.env"), EnvelopeFormat.Write(other));

        Assert.Null(Spool.ReadEnvelope(envelope.Id));

        Assert.Equal([$"{envelope.Id}.env", $"{envelope.Id}.msg"], TempSpool.Names(_temp.Corrupt()));
        Assert.Contains(_temp.Log.Lines, l => l.Id.Id == 201 && l.Text.EndsWith($": moved to corrupt/: {envelope.Id}.env says id {other.Id}"));
    }

    [Fact]
    public void ReportsFreeSpace() => Assert.InRange(Spool.AvailableBytes(), 1, long.MaxValue);

    static long Inode(string path)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path])
        {
            RedirectStandardOutput = true,
        })!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return long.Parse(output);
    }
}
