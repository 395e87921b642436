namespace Postmaster.Spool;

/// <summary>Group commit of file contents: callers write files without fsyncing each, then await
/// <see cref="GroupCommit.SyncAsync"/>, and concurrent callers share one syncfs(2) of the file system.</summary>
/// <remarks>
/// One syncfs writes and waits for every dirty page and inode of the file system and commits its journal, so
/// ten messages arriving together cost one journal commit instead of ten. The price: it also writes other
/// programs' dirty data on that file system (a reason to give the spool a file system of its own on a busy
/// host). Since Linux 5.8 syncfs reports a writeback error of any file of the file system; the whole batch then
/// fails and its senders hear 451, which is safe. The descriptor stays open for the life of the object: its
/// error cursor is what makes syncfs report errors that happened since the last call.
/// </remarks>
internal sealed class FileSystemSync : GroupCommit, IDisposable
{
    readonly string _path;
    readonly int _fd;

    /// <param name="directory">Any directory on the file system to sync.</param>
    /// <exception cref="IOException">It cannot be opened.</exception>
    public FileSystemSync(string directory)
    {
        _path = directory;
        _fd = Posix.OpenDirectory(directory);
    }

    protected override void Sync() => Posix.SyncFileSystem(_fd, _path);

    public void Dispose() => Posix.CloseDescriptor(_fd);
}
