using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Spool;

/// <summary>The registry is process-wide: these tests share a collection with the other users of it (the
/// Maildir writer's group commit), so that no lease of theirs is held while these look at it.</summary>
[Collection(FileSystemSyncsTests.Collection)]
public sealed class FileSystemSyncsTests : IDisposable
{
    public const string Collection = "process-wide file system syncs";

    readonly string _root = Directory.CreateTempSubdirectory("postmaster-fssync-").FullName;

    [Fact]
    public async Task Writers_on_one_file_system_share_one_sync_while_they_hold_it()
    {
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        Directory.CreateDirectory(Path.Combine(_root, "b"));
        FileSystemSync first, again;
        using (SharedSyncs<ulong, FileSystemSync>.Lease a = FileSystemSyncs.Acquire(Path.Combine(_root, "a")))
        using (SharedSyncs<ulong, FileSystemSync>.Lease b = FileSystemSyncs.Acquire(Path.Combine(_root, "b")))
        {
            Assert.Same(a.Sync, b.Sync);
            await Task.WhenAll(a.Sync.SyncAsync(), b.Sync.SyncAsync());
            first = a.Sync;
        }
        using (SharedSyncs<ulong, FileSystemSync>.Lease later = FileSystemSyncs.Acquire(_root))
            again = later.Sync;

        Assert.NotSame(first, again);      // given back and closed when the last writer was done
    }

    [Fact]
    public void A_missing_directory_is_an_IOException_carrying_ENOENT()
    {
        IOException failure = Assert.Throws<IOException>(() => FileSystemSyncs.Acquire(Path.Combine(_root, "missing")));
        Assert.Equal(2, failure.HResult);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
