using static Postmaster.Delivery.FileCalls;

namespace Postmaster.Delivery;

/// <summary>The traditional mbox dot-lock: <c>&lt;mbox&gt;.lock</c> created with O_EXCL, for the mail readers
/// that still look only at it (mutt, alpine, mailx honour it next to fcntl locks).</summary>
/// <remarks>A lock file older than <see cref="MboxWriter.StaleDotLockAge"/> is taken to be left over from a
/// crash and removed (procmail and Postfix use the same 5 minutes). When the mailbox's directory does not
/// let us create files (the usual /var/mail is group mail, 2775, and deliveries run as the recipient) the
/// dot-lock is skipped and the fcntl lock alone protects the file, as Postfix does without setgid help.</remarks>
internal sealed class DotLock
{
    DotLock(string path) => Path = path;

    public string Path { get; }

    /// <summary>Takes the lock, polling until <paramref name="deadline"/>. Returns the lock, or null with
    /// <paramref name="skipped"/> true when the directory is not writable for us, or null with a failure.</summary>
    public static async Task<(DotLock? Lock, bool Skipped, DeliveryResult? Failure)> AcquireAsync(
        string mailbox, DateTime deadline, TimeSpan staleAge, CancellationToken cancellationToken)
    {
        string path = mailbox + ".lock";
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            int fd = Open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0x180);
            if (fd >= 0)
            {
                WriteAll(fd, System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
                Close(fd);
                return (new DotLock(path), false, null);
            }
            int errno = -fd;
            if (errno is EACCES or EPERM or EROFS)
                return (null, true, null);
            if (errno != EEXIST)
                return (null, false, MailboxFailure.Deferred($"mbox {mailbox}: cannot create {path}", errno));

            if (IsStale(path, staleAge) && Unlink(path) == 0)
                continue;       // a crashed writer's lock: take it over now
            if (DateTime.UtcNow >= deadline)
                return (null, false, DeliveryResult.Deferred("4.2.0", $"mbox {mailbox}: locked by {path} for too long"));
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }

    static bool IsStale(string path, TimeSpan staleAge)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && DateTime.UtcNow - info.LastWriteTimeUtc > staleAge;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Release() => Unlink(Path);
}
