using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Spool;

public sealed class DirectorySyncsTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("postmaster-dirsync-").FullName;

    [Fact]
    public async Task Syncs_an_existing_directory()
    {
        await DirectorySyncs.SyncAsync(_directory);
    }

    [Fact]
    public async Task A_directory_that_cannot_be_opened_is_an_IOException_with_the_errno()
    {
        IOException failure = await Assert.ThrowsAsync<IOException>(() => DirectorySyncs.SyncAsync(Path.Combine(_directory, "missing")));

        Assert.Equal(2, failure.HResult);     // ENOENT: the Maildir writer maps it to its deferral text
        Assert.Contains("missing", failure.Message);
    }

    [Fact]
    public async Task Many_concurrent_callers_all_complete()
    {
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => DirectorySyncs.SyncAsync(_directory))));
        await DirectorySyncs.SyncAsync(_directory);   // and the entry was given back: a fresh one works
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
