using Microsoft.Extensions.Logging;

namespace Postmaster.Spool;

/// <summary>The durable spool on disk: tmp/ for messages being received, queue/ for committed ones, corrupt/
/// for files a human should look at. Layout, commit protocol and envelope format: postmaster-spool(5).</summary>
/// <remarks>
/// Commit protocol (STYLE.md §3.4, fragment 6): the body is streamed to tmp/&lt;id&gt;.msg, the envelope
/// written to tmp/&lt;id&gt;.env, the contents of both made durable (one syncfs of the spool's file system,
/// shared by all commits waiting at that moment: <see cref="FileSystemSync"/>), both renamed into queue/
/// (.msg first), and queue/ fsynced (shared likewise: <see cref="DirectorySync"/>). The .env in queue/ is the commit marker: nothing ever looks at a .msg without one. The caller
/// may answer 250 only when <see cref="CommitAsync"/> returns. Several processes may commit into the same
/// spool (the daemon and <c>postmaster sendmail</c>): ids never collide and renames never replace.
/// </remarks>
public sealed partial class SpoolDirectory
{
    const int BodyBufferSize = 64 * 1024;

    readonly TimeProvider _time;
    readonly ILogger<SpoolDirectory> _log;
    readonly DirectorySync _queueSync;
    FileSystemSync? _fileSync;
    long _rewrites;

    public SpoolDirectory(string root, TimeProvider time, ILogger<SpoolDirectory> log)
    {
        Root = Path.GetFullPath(root);
        _time = time;
        _log = log;
        _queueSync = new DirectorySync(QueueDirectory);
    }

    public string Root { get; }

    internal string TmpDirectory => Path.Combine(Root, "tmp");
    internal string QueueDirectory => Path.Combine(Root, "queue");
    internal string CorruptDirectory => Path.Combine(Root, "corrupt");

    /// <summary>The group commit of queue/, so tests can count fsyncs and slow them down.</summary>
    internal DirectorySync QueueSync => _queueSync;

    /// <summary>The group commit of file contents (syncfs of the spool's file system). Its descriptor is opened
    /// before the first message file is created (<see cref="Open"/>, <see cref="Create"/>): syncfs reports the
    /// writeback errors that happened since then.</summary>
    internal FileSystemSync FileSync
    {
        get
        {
            if (Volatile.Read(ref _fileSync) is { } existing)
                return existing;
            var created = new FileSystemSync(TmpDirectory);
            if (Interlocked.CompareExchange(ref _fileSync, created, null) is { } raced)
            {
                created.Dispose();
                return raced;
            }
            return created;
        }
    }

    /// <summary>Starts a message: a new id and an empty body file tmp/&lt;id&gt;.msg (O_EXCL, mode 0600).</summary>
    public IncomingMessage Create()
    {
        _ = FileSync;
        for (int attempt = 1; ; attempt++)
        {
            QueueId id = QueueId.New(_time);
            string path = TmpPath(id, ".msg");
            try
            {
                var body = new FileStream(path, Posix.NewPrivateFile(FileAccess.Write, BodyBufferSize, FileOptions.Asynchronous));
                return new IncomingMessage(id, body, path, TmpPath(id, ".env"));
            }
            catch (IOException) when (attempt < 3 && File.Exists(path))
            {
                // Another process made the same id in the same millisecond (QueueId remarks): take another.
            }
        }
    }

    /// <summary>Queues <paramref name="message"/> with <paramref name="envelope"/>; returns only when a crash can
    /// no longer lose it.</summary>
    /// <exception cref="IOException">The message is not queued (disk full, I/O error); its files are gone
    /// and the client should be told to try again later (451/452).</exception>
    /// <remarks>Cancellation is honoured until the renames; after them the call waits for the directory fsync.</remarks>
    public async Task CommitAsync(IncomingMessage message, Envelope envelope, CancellationToken cancellationToken)
    {
        if (envelope.Id != message.Id)
            throw new ArgumentException($"envelope id {envelope.Id} is not the message's {message.Id}", nameof(envelope));
        if (message.Committed)
            throw new InvalidOperationException($"{message.Id} is already committed");

        QueueId id = message.Id;
        string queuedBody = QueuePath(id, ".msg"), queuedEnvelope = QueuePath(id, ".env");
        bool bodyMoved = false;
        try
        {
            await message.BodyFile.FlushAsync(cancellationToken);                   // our 64 KiB buffer into the kernel
            await message.BodyFile.DisposeAsync();
            await DurableFile.WriteAsync(message.EnvelopePath, EnvelopeFormat.Write(envelope), cancellationToken, fsync: false);
            await FileSync.SyncAsync().WaitAsync(cancellationToken);   // both files' contents, shared with concurrent commits

            Posix.RenameNoReplace(message.BodyPath, queuedBody);
            bodyMoved = true;
            Posix.RenameNoReplace(message.EnvelopePath, queuedEnvelope);             // the commit point, once durable
            message.Committed = true;
        }
        catch (Exception e)
        {
            SpoolLog.CommitFailed(_log, id, e.Message);
            await message.DisposeAsync();                       // removes the tmp files
            if (bodyMoved)
                DurableFile.TryDelete(queuedBody);
            if (e is UnauthorizedAccessException)
                throw new IOException(e.Message, e);
            throw;
        }

        try
        {
            await _queueSync.SyncAsync();       // a directory fsync that started after our renames
        }
        catch (IOException e)
        {
            // After a failed fsync nobody knows whether the renames would survive a crash. The client hears
            // 451 and sends again, so take the message out rather than risk delivering it twice.
            SpoolLog.CommitFailed(_log, id, e.Message);
            DurableFile.TryDelete(queuedEnvelope);
            DurableFile.TryDelete(queuedBody);
            throw;
        }
        SpoolLog.Committed(_log, id, envelope.Sender?.ToString() ?? "", envelope.Recipients.Length, envelope.Size);
    }

    /// <summary>statvfs(3) f_bavail × f_frsize of the spool's file system.</summary>
    public long AvailableBytes() => Posix.AvailableBytes(Root);

    /// <summary>The committed messages (queue/*.env), oldest first.</summary>
    public IEnumerable<QueueId> List()
    {
        var ids = new List<QueueId>();
        foreach (string path in Directory.EnumerateFiles(QueueDirectory, "*.env"))
        {
            if (QueueId.TryParse(Path.GetFileNameWithoutExtension(path), out QueueId id))
                ids.Add(id);
        }
        ids.Sort();
        return ids;
    }

    /// <summary>The envelope of a committed message; null when it is gone, or when it is broken: then its
    /// files are moved to corrupt/ and logged.</summary>
    public Envelope? ReadEnvelope(QueueId id)
    {
        string path = QueuePath(id, ".env");
        string text;
        try
        {
            text = File.ReadAllText(path);          // invalid UTF-8 becomes U+FFFD, which the parser refuses
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        string? problem;
        if (!EnvelopeFormat.TryParse(text, out Envelope? envelope, out problem))
            problem = $"{id}.env {problem}";
        else if (envelope.Id != id)
            problem = $"{id}.env says id {envelope.Id}";
        else if (!File.Exists(QueuePath(id, ".msg")))
        {
            if (!File.Exists(path))
                return null;                        // removed while we read it
            problem = $"{id}.env has no {id}.msg";
        }
        if (problem is null)
            return envelope;
        MoveToCorrupt($"{id}.env", problem);
        MoveToCorrupt($"{id}.msg", problem);
        return null;
    }

    /// <summary>The Unix socket the daemon takes local submissions on (<c>postmaster sendmail</c>).</summary>
    public string SubmissionSocket => Path.Combine(Root, "submit.sock");

    /// <summary>Where the body of a committed message is (local delivery children open it themselves).</summary>
    public string MessagePath(QueueId id) => QueuePath(id, ".msg");

    /// <summary>The body of a committed message, for reading.</summary>
    public Stream OpenMessage(QueueId id) =>
        new FileStream(QueuePath(id, ".msg"), FileMode.Open, FileAccess.Read, FileShare.Read, BodyBufferSize,
                       FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>Replaces the envelope of a committed message atomically (tmp file, fsync, rename, directory fsync).</summary>
    /// <exception cref="FileNotFoundException">The message is not in the queue (never resurrect a removed one).</exception>
    public async Task RewriteEnvelopeAsync(Envelope e, CancellationToken cancellationToken)
    {
        string target = QueuePath(e.Id, ".env");
        if (!File.Exists(target))
            throw new FileNotFoundException($"{e.Id} is not in the queue", target);

        // A name of its own, so that two processes rewriting at once cannot mix their bytes.
        string temporary = Path.Combine(TmpDirectory, $"{e.Id}.{Environment.ProcessId}-{Interlocked.Increment(ref _rewrites)}.env");
        await DurableFile.WriteAsync(temporary, EnvelopeFormat.Write(e), cancellationToken);
        try
        {
            Posix.Rename(temporary, target);
        }
        catch
        {
            DurableFile.TryDelete(temporary);
            throw;
        }
        await _queueSync.SyncAsync();
        SpoolLog.Rewritten(_log, e.Id, e.Attempts);
    }

    /// <summary>Takes a message out of the queue: the .env first, so a crash in between leaves an orphan
    /// body that <see cref="Open"/> removes, never an envelope without a body.</summary>
    /// <remarks>No directory fsync: should a crash undo the removal, the message is delivered again, not lost.</remarks>
    public void Remove(QueueId id)
    {
        File.Delete(QueuePath(id, ".env"));
        File.Delete(QueuePath(id, ".msg"));
        SpoolLog.Removed(_log, id);
    }

    string TmpPath(QueueId id, string extension) => Path.Combine(TmpDirectory, id + extension);

    string QueuePath(QueueId id, string extension) => Path.Combine(QueueDirectory, id + extension);
}
