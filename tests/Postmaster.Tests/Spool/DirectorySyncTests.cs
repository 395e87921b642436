using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Spool;

public sealed class DirectorySyncTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("postmaster-sync-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task CompletesEveryCallerOnlyAfterAnFsyncThatStartedAfterItsCall()
    {
        int started = 0;
        var sync = new DirectorySync(_directory) { BeforeSync = () => { Interlocked.Increment(ref started); Thread.Sleep(2); } };

        bool[] covered = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            int before = Volatile.Read(ref started);
            await sync.SyncAsync();
            return Volatile.Read(ref started) > before;
        })));

        Assert.All(covered, Assert.True);
        Assert.InRange(sync.SyncCount, 1, 199);
    }

    [Fact]
    public async Task RunsAgainForCallersAfterAQuietSpell()
    {
        var sync = new DirectorySync(_directory);

        await sync.SyncAsync();
        await sync.SyncAsync();

        Assert.Equal(2, sync.SyncCount);
    }

    [Fact]
    public async Task FailsEveryWaiterWhenTheFsyncFails()
    {
        var sync = new DirectorySync(Path.Combine(_directory, "missing"));

        Task[] waiters = Enumerable.Range(0, 5).Select(_ => sync.SyncAsync()).ToArray();

        foreach (Task waiter in waiters)
            Assert.Contains("No such file or directory", (await Assert.ThrowsAsync<IOException>(() => waiter)).Message);
        Assert.Equal(0, sync.SyncCount);
    }
}
