namespace Postmaster.Spool;

/// <summary>One <see cref="FileSystemSync"/> per file system at a time, for writers whose files are spread over
/// many directories (the Maildirs of virtual mailboxes): deliveries at the same moment share one syncfs whatever
/// mailbox they write to.</summary>
/// <remarks>A writer leases the sync before it creates its file and gives it back after its sync: so the
/// descriptor is always older than the files it makes durable (syncfs reports the writeback errors that happened
/// since it was opened), and no descriptor stays open to keep a file system from being unmounted.</remarks>
internal static class FileSystemSyncs
{
    static readonly Lock Gate = new();
    static readonly Dictionary<ulong, (FileSystemSync Sync, int Users)> ByDevice = [];

    /// <summary>The group commit for the file system holding <paramref name="directory"/>, until the lease is disposed.</summary>
    /// <exception cref="IOException">The directory cannot be examined or opened; HResult is the errno.</exception>
    internal static Lease Acquire(string directory)
    {
        ulong device = Posix.DeviceOf(directory);
        lock (Gate)
        {
            (FileSystemSync sync, int users) = ByDevice.TryGetValue(device, out var entry) ? entry : (new FileSystemSync(directory), 0);
            ByDevice[device] = (sync, users + 1);
            return new Lease(device, sync);
        }
    }

    static void Release(ulong device)
    {
        lock (Gate)
        {
            (FileSystemSync sync, int users) = ByDevice[device];
            if (users > 1)
            {
                ByDevice[device] = (sync, users - 1);
                return;
            }
            ByDevice.Remove(device);
            sync.Dispose();
        }
    }

    /// <summary>A writer's use of the shared sync of one file system.</summary>
    internal sealed class Lease(ulong device, FileSystemSync sync) : IDisposable
    {
        int _disposed;

        public FileSystemSync Sync { get; } = sync;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                Release(device);
        }
    }
}
