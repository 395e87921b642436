namespace Postmaster.Spool;

/// <summary>Group commits for directories that come and go, such as the new/ of each Maildir: deliveries into
/// the same directory at the same time share one fsync (<see cref="DirectorySync"/>).</summary>
internal static class DirectorySyncs
{
    static readonly SharedSyncs<string, DirectorySync> Shared = new((directory, _) => new DirectorySync(directory));

    /// <summary>Completes after an fsync of <paramref name="directory"/> that started after this call.</summary>
    /// <exception cref="IOException">That fsync (or opening the directory) failed.</exception>
    public static async Task SyncAsync(string directory)
    {
        using var lease = Shared.Acquire(directory, directory);
        await lease.Sync.SyncAsync();
    }
}
