namespace Postmaster.Spool;

/// <summary>Group commit of a directory's entries: callers rename files into it, then await
/// <see cref="GroupCommit.SyncAsync"/>, and concurrent callers share one fsync of the directory.</summary>
internal sealed class DirectorySync(string path) : GroupCommit
{
    public string Path => path;

    protected override void Sync() => Posix.FsyncDirectory(path);
}
