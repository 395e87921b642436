namespace Postmaster.Spool;

// Start-up: make the directories, sweep what a crash left behind, check every file in queue/.
public sealed partial class SpoolDirectory
{
    /// <summary>How old a body without envelope must be before it counts as an orphan: a younger one may be
    /// the commit of another process (sendmail) between its two renames.</summary>
    static readonly TimeSpan OrphanAge = TimeSpan.FromHours(1);

    /// <summary>Makes tmp/, queue/ and corrupt/ (mode 0700) if missing, empties tmp/, and checks queue/:
    /// broken envelopes and stray files go to corrupt/, old bodies without an envelope are removed.</summary>
    /// <remarks>Run once when the daemon starts, before anything commits: whatever is in tmp/ then was never
    /// acknowledged. Never throws for one bad file; only for a spool it cannot use at all.</remarks>
    public void Open()
    {
        foreach (string directory in new[] { Root, TmpDirectory, QueueDirectory, CorruptDirectory })
            Posix.CreatePrivateDirectory(directory);
        _ = FileSync;   // open its descriptor before any message is written: syncfs reports errors since then

        SweepTmp();

        var envelopes = new List<QueueId>();
        var bodies = new Dictionary<QueueId, string>();
        int corrupt = 0;
        foreach (string path in Directory.GetFileSystemEntries(QueueDirectory))
        {
            string name = Path.GetFileName(path);
            var info = new FileInfo(path);
            if ((info.Attributes & (FileAttributes.Directory | FileAttributes.ReparsePoint)) != 0)
                corrupt += MoveToCorrupt(name, "not a regular file") ? 1 : 0;
            else if (!TryParseFileName(name, out QueueId id, out string? extension))
                corrupt += MoveToCorrupt(name, "not a queue file name") ? 1 : 0;
            else if (extension == ".env")
                envelopes.Add(id);
            else
                bodies[id] = path;
        }

        int count = 0;
        foreach (QueueId id in envelopes)
        {
            if (ReadEnvelope(id) is not null)       // moves a broken one (or one without body) to corrupt/
                count++;
            else
                corrupt++;
            bodies.Remove(id);
        }

        DateTimeOffset now = _time.GetUtcNow();
        foreach ((QueueId id, string path) in bodies)
        {
            TimeSpan age = now - File.GetLastWriteTimeUtc(path);
            if (age < OrphanAge)
                continue;
            // An orphan: the body of a commit that crashed before its envelope was renamed (never
            // acknowledged), or of a removal that crashed after its envelope went. Nobody waits for it.
            if (DurableFile.TryDelete(path))
                SpoolLog.OrphanRemoved(_log, id, age);
            else
                SpoolLog.CleanupFailed(_log, path, "permission denied or I/O error");
        }

        Posix.FsyncDirectory(QueueDirectory);
        Posix.FsyncDirectory(CorruptDirectory);
        SpoolLog.Opened(_log, Root, count, corrupt);
    }

    void SweepTmp()
    {
        foreach (string path in Directory.GetFileSystemEntries(TmpDirectory))
        {
            try
            {
                if (Directory.Exists(path) && !new FileInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint))
                    Directory.Delete(path, recursive: true);
                else
                    File.Delete(path);
                SpoolLog.TmpSwept(_log, Path.GetFileName(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                SpoolLog.CleanupFailed(_log, path, e.Message);
            }
        }
    }

    /// <summary>&lt;id&gt;.env or &lt;id&gt;.msg with a valid id.</summary>
    static bool TryParseFileName(string name, out QueueId id, out string? extension)
    {
        id = default;
        extension = name.Length == QueueId.Length + 4 ? name[QueueId.Length..] : null;
        return extension is ".env" or ".msg" && QueueId.TryParse(name[..QueueId.Length], out id);
    }

    /// <summary>Moves queue/<paramref name="name"/> to corrupt/ (adding .1, .2 ... rather than replacing) and logs it.</summary>
    /// <returns>false if there was no such file.</returns>
    bool MoveToCorrupt(string name, string reason)
    {
        string from = Path.Combine(QueueDirectory, name);
        for (int n = 0; n < 1000; n++)
        {
            string to = Path.Combine(CorruptDirectory, n == 0 ? name : $"{name}.{n}");
            if (Posix.TryRenameNoReplace(from, to, out int errno))
            {
                SpoolLog.Corrupt(_log, from, reason);
                return true;
            }
            if (errno == Posix.ENOENT)
                return false;
            if (errno != Posix.EEXIST)
            {
                SpoolLog.CleanupFailed(_log, from, $"cannot move to corrupt/: {Posix.Failure("rename", to, errno).Message}");
                return false;
            }
        }
        return false;
    }
}
