namespace Postmaster.Spool;

/// <summary>One <see cref="FileSystemSync"/> per file system at a time, for writers whose files are spread over
/// many directories (the Maildirs of virtual mailboxes): deliveries at the same moment share one syncfs whatever
/// mailbox they write to.</summary>
/// <remarks>A writer leases the sync before it creates its file and gives it back after its sync: so the
/// descriptor is always older than the files it makes durable (syncfs reports the writeback errors that happened
/// since it was opened), and no descriptor stays open to keep a file system from being unmounted.</remarks>
internal static class FileSystemSyncs
{
    static readonly SharedSyncs<ulong, FileSystemSync> ByDevice = new((_, directory) => new FileSystemSync(directory));

    /// <summary>The group commit for the file system holding <paramref name="directory"/>, until the lease is disposed.</summary>
    /// <exception cref="IOException">The directory cannot be examined or opened; HResult is the errno.</exception>
    internal static SharedSyncs<ulong, FileSystemSync>.Lease Acquire(string directory) =>
        ByDevice.Acquire(Posix.DeviceOf(directory), directory);
}
