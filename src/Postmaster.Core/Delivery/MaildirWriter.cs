using System.Text;
using static Postmaster.Delivery.FileCalls;

namespace Postmaster.Delivery;

/// <summary>The <c>maildir(path)</c> mailer: delivers one message into a Maildir the way the Maildir
/// specification (D. J. Bernstein, maildir(5)) asks, so that a crash at any instant leaves either no
/// message or a whole one in new/, never a part.</summary>
/// <remarks>
/// <list type="number">
/// <item>Create the Maildir and its cur/, new/, tmp/ with mode 0700 when missing (as the reader's user, since
/// <c>postmaster deliver</c> runs as the recipient); found missing by the first open of tmp/ failing.</item>
/// <item>Create tmp/&lt;unique&gt; with O_EXCL, write the message (a Return-Path header first, RFC 5321 §4.4;
/// LF line ends, see <see cref="LocalLineEncoder"/>), fsync it.</item>
/// <item>Rename it into new/&lt;unique&gt;,S=&lt;size&gt; without replacing anything (renameat2 NOREPLACE, else
/// link + unlink: the spec's link), then fsync new/ (one fsync shared by the deliveries into the same
/// Maildir at that moment). The <c>,S=</c> suffix is the Maildir++ size that
/// Dovecot and Courier use for quotas.</item>
/// </list>
/// Unique names are <c>&lt;seconds&gt;.M&lt;microseconds&gt;P&lt;pid&gt;Q&lt;counter&gt;.&lt;host&gt;</c> (the
/// modern form of the spec's "time.pid.host"), with '/' and ':' in the host name written as \057 and \072.
/// Every failure is a deferral and removes what was written.
/// </remarks>
public sealed class MaildirWriter : ILocalMailer
{
    const uint DirectoryMode = 0x1C0;   // 0700
    const uint FileMode = 0x180;        // 0600
    const int ChunkSize = 64 * 1024;

    static long _deliveries;
    static readonly Lazy<string> Host = new(() => EscapeHost(System.Net.Dns.GetHostName()));

    readonly TimeProvider _time;
    readonly bool _groupCommit;

    /// <param name="directory">The Maildir.</param>
    /// <param name="time">The clock for unique names.</param>
    /// <param name="groupCommit">Share syncs with the other deliveries of this process that run at the same time
    /// (one syncfs of the file system for the contents, one fsync of new/): the daemon's own deliveries. A
    /// <c>postmaster deliver</c> process writes one message and fsyncs its file.</param>
    public MaildirWriter(string directory, TimeProvider? time = null, bool groupCommit = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory.Length > 1 ? directory.TrimEnd('/') : directory;
        _time = time ?? TimeProvider.System;
        _groupCommit = groupCommit;
    }

    /// <summary>The Maildir (the folder holding cur/, new/ and tmp/).</summary>
    public string Directory { get; }

    /// <summary>The file name (in new/) of the last message this writer delivered, for logs and tests.</summary>
    public string? LastDelivered { get; private set; }

    public async Task<DeliveryResult> DeliverAsync(Stream message, DeliveryEnvelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        string tmp = Path.Combine(Directory, "tmp"), @new = Path.Combine(Directory, "new");
        if (!_groupCommit)
            return await DeliverAsync(message, envelope, tmp, @new, contents: null, cancellationToken);

        // Leased before the file exists: the sync's descriptor must be older than what it makes durable.
        (int errno, Spool.SharedSyncs<ulong, Spool.FileSystemSync>.Lease? lease) = SharedSync(tmp);
        if (errno == ENOENT)
        {
            if (CreateMaildir(tmp, @new) is { } failure)
                return failure;
            (errno, lease) = SharedSync(tmp);
        }
        if (lease is null)
            return MailboxFailure.Deferred($"maildir {Directory}: cannot open tmp/", errno);
        using (lease)
            return await DeliverAsync(message, envelope, tmp, @new, lease.Sync, cancellationToken);
    }

    async Task<DeliveryResult> DeliverAsync(Stream message, DeliveryEnvelope envelope, string tmp, string @new,
        Spool.FileSystemSync? contents, CancellationToken cancellationToken)
    {
        string name = "";
        int fd = -1;
        bool created = false;
        for (int attempt = 0; attempt < 5 && fd < 0; attempt++)
        {
            name = UniqueName(_time.GetUtcNow());
            fd = Open(Path.Combine(tmp, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, FileMode);
            if (fd == -ENOENT && !created)
            {
                // A first delivery: make the Maildir. Looked for only now, so that the usual case costs no mkdir.
                created = true;
                attempt--;
                if (CreateMaildir(tmp, @new) is { } failure)
                    return failure;
            }
            else if (fd < 0 && fd != -EEXIST)
                return MailboxFailure.Deferred($"maildir {Directory}: cannot create tmp/{name}", -fd);
        }
        if (fd < 0)
            return DeliveryResult.Deferred("4.3.0", $"maildir {Directory}: no unique name in tmp/ after 5 attempts");

        string tmpPath = Path.Combine(tmp, name);
        long size;
        try
        {
            (DeliveryResult? failure, size) = await WriteAsync(fd, message, envelope, tmpPath, fsync: contents is null, cancellationToken);
            int closed = Close(fd);
            fd = -1;
            if (failure is null && closed != 0)
                failure = MailboxFailure.Deferred($"maildir {Directory}: closing tmp/{name}", closed);
            if (failure is null && contents is not null && await SyncSharedAsync(contents.SyncAsync()) is int syncErrno and not 0)
                failure = MailboxFailure.Deferred($"maildir {Directory}: syncfs for tmp/{name}", syncErrno);
            if (failure is not null)
            {
                Unlink(tmpPath);
                return failure;
            }
        }
        catch
        {
            if (fd >= 0)
                Close(fd);
            Unlink(tmpPath);
            throw;
        }

        string finalName = $"{name},S={size}";
        string newPath = Path.Combine(@new, finalName);
        if (!Spool.Posix.TryRenameNoReplace(tmpPath, newPath, out int renameErrno))
        {
            Unlink(tmpPath);
            return MailboxFailure.Deferred($"maildir {Directory}: cannot move tmp/{name} to new/", renameErrno);
        }
        if ((_groupCommit ? await SyncSharedAsync(Spool.DirectorySyncs.SyncAsync(@new)) : SyncDirectory(@new)) is int newErrno and not 0)
        {
            // Nobody can say whether the name would survive a crash; take it back so that the retry is the
            // only copy (the same choice as the spool's commit).
            Unlink(newPath);
            return MailboxFailure.Deferred($"maildir {Directory}: fsync new/", newErrno);
        }
        LastDelivered = finalName;
        return DeliveryResult.Delivered($"delivered to maildir {Directory}");
    }

    async Task<(DeliveryResult? Failure, long Size)> WriteAsync(int fd, Stream message, DeliveryEnvelope envelope,
        string tmpPath, bool fsync, CancellationToken cancellationToken)
    {
        string where = $"maildir {Directory}: writing tmp/{Path.GetFileName(tmpPath)}";
        var encoder = new LocalLineEncoder(quoteFromLines: false);
        long size = 0;
        if (LocalHeaders.ReturnPath(envelope) is { } returnPath)
        {
            if (WriteAll(fd, returnPath) is int errno and not 0)
                return (MailboxFailure.Deferred(where, errno), 0);
            size += returnPath.Length;
        }
        byte[] buffer = new byte[ChunkSize];
        while (true)
        {
            int read;
            try
            {
                read = await message.ReadAsync(buffer, cancellationToken);
            }
            catch (IOException e)
            {
                return (DeliveryResult.Deferred("4.3.0", $"maildir {Directory}: reading the message: {e.Message}"), 0);
            }
            ReadOnlySpan<byte> encoded = read == 0 ? encoder.Finish() : encoder.Encode(buffer.AsSpan(0, read));
            if (WriteAll(fd, encoded) is int errno and not 0)
                return (MailboxFailure.Deferred(where, errno), 0);
            size += encoded.Length;
            if (read == 0)
                break;
        }
        if (fsync && Fsync(fd) is int syncErrno and not 0)
            return (MailboxFailure.Deferred($"maildir {Directory}: fsync tmp/{Path.GetFileName(tmpPath)}", syncErrno), 0);
        return (null, size);
    }

    /// <summary>mkdir -p with mode 0700 for every level it creates; (0, "") or the errno and the level that failed.</summary>
    internal static (int Errno, string Path) CreateDirectories(string path)
    {
        int errno = Mkdir(path, DirectoryMode);
        if (errno == 0 || errno == EEXIST && IsDirectory(path))
            return (0, "");
        if (errno == ENOENT && Path.GetDirectoryName(path) is { Length: > 0 } parent && parent != path)
        {
            (int parentErrno, string failed) = CreateDirectories(parent);
            if (parentErrno != 0)
                return (parentErrno, failed);
            errno = Mkdir(path, DirectoryMode);
            if (errno == 0 || errno == EEXIST && IsDirectory(path))
                return (0, "");
        }
        return (errno == EEXIST ? ENOTDIR : errno, path);
    }

    static bool IsDirectory(string path) => System.IO.Directory.Exists(path);

    /// <summary>The Maildir and its three folders; null, or the deferral saying what could not be made.</summary>
    DeliveryResult? CreateMaildir(string tmp, string @new)
    {
        foreach (string directory in new[] { Directory, tmp, @new, Path.Combine(Directory, "cur") })
        {
            if (CreateDirectories(directory) is (int errno, string failed) && errno != 0)
                return MailboxFailure.Deferred($"maildir {Directory}: cannot create {failed}", errno);
        }
        return null;
    }

    static (int Errno, Spool.SharedSyncs<ulong, Spool.FileSystemSync>.Lease? Lease) SharedSync(string directory)
    {
        try
        {
            return (0, Spool.FileSystemSyncs.Acquire(directory));
        }
        catch (IOException e)
        {
            return (Errno(e), null);
        }
    }

    /// <summary>Awaits a shared sync (<see cref="Spool.GroupCommit"/>): 0 or the errno of its failure.</summary>
    static async Task<int> SyncSharedAsync(Task sync)
    {
        try
        {
            await sync;
            return 0;
        }
        catch (IOException e)
        {
            return Errno(e);
        }
    }

    /// <summary>The errno a spool call put in its exception's HResult (<see cref="Spool.Posix"/>), or EIO.</summary>
    static int Errno(IOException e) => e.HResult is > 0 and < 4096 ? e.HResult : EIO;

    /// <summary>fsync(2) of a directory: 0 or the errno.</summary>
    internal static int SyncDirectory(string path)
    {
        int fd = Open(path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
            return -fd;
        int errno = Fsync(fd);
        Close(fd);
        return errno;
    }

    internal static string UniqueName(DateTimeOffset now)
    {
        long microseconds = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        long count = Interlocked.Increment(ref _deliveries);
        return $"{microseconds / 1_000_000}.M{microseconds % 1_000_000}P{Environment.ProcessId}Q{count}.{Host.Value}";
    }

    /// <summary>maildir(5): '/' and ':' cannot appear in a name ("\057" and "\072" instead).</summary>
    internal static string EscapeHost(string host)
    {
        var result = new StringBuilder(host.Length);
        foreach (char c in host)
        {
            result.Append(c switch
            {
                '/' => "\\057",
                ':' => "\\072",
                _ when char.IsControl(c) || char.IsWhiteSpace(c) => "_",
                _ => c.ToString(),
            });
        }
        return result.Length == 0 ? "localhost" : result.ToString();
    }
}
