namespace Postmaster.Spool;

/// <summary>Group commits for directories that come and go, such as the new/ of each Maildir: deliveries into
/// the same directory at the same time share one fsync (<see cref="DirectorySync"/>).</summary>
/// <remarks>An entry lives only while somebody waits on it, so a server with many mailboxes keeps no table
/// of them all.</remarks>
internal static class DirectorySyncs
{
    static readonly Lock Gate = new();
    static readonly Dictionary<string, (DirectorySync Sync, int Users)> Active = new(StringComparer.Ordinal);

    /// <summary>Completes after an fsync of <paramref name="directory"/> that started after this call.</summary>
    /// <exception cref="IOException">That fsync (or opening the directory) failed.</exception>
    public static async Task SyncAsync(string directory)
    {
        DirectorySync sync;
        lock (Gate)
        {
            (sync, int users) = Active.TryGetValue(directory, out var entry) ? entry : (new DirectorySync(directory), 0);
            Active[directory] = (sync, users + 1);
        }
        try
        {
            await sync.SyncAsync();
        }
        finally
        {
            lock (Gate)
            {
                (DirectorySync same, int users) = Active[directory];
                if (users == 1)
                    Active.Remove(directory);
                else
                    Active[directory] = (same, users - 1);
            }
        }
    }
}
