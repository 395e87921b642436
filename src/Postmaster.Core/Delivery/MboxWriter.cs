using System.Globalization;
using System.Text;
using static Postmaster.Delivery.FileCalls;

namespace Postmaster.Delivery;

/// <summary>The <c>mbox(path)</c> mailer: appends one message to a Unix mailbox file in the mboxrd format,
/// locked against readers and other writers, and takes the append back when it cannot finish.</summary>
/// <remarks>
/// <para>Locking, in this order: the dot-lock <c>&lt;path&gt;.lock</c> (<see cref="DotLock"/>), then an fcntl
/// write lock on the whole file. Both are retried until <see cref="LockTimeout"/>, then the delivery is
/// deferred. The fcntl lock is polled with F_OFD_SETLK rather than waited for with F_SETLKW: a blocking
/// wait can only be given a time limit with SIGALRM, which a .NET process cannot use safely. OFD locks are in
/// the same lock space as the classic fcntl locks of mail readers, so they exclude each other.</para>
/// <para>The entry: <c>From &lt;sender or MAILER-DAEMON&gt; &lt;asctime date&gt;</c>, a Return-Path header, the
/// message with LF line ends and every line matching <c>^&gt;*From </c> given one more <c>&gt;</c> (mboxrd,
/// <see cref="LocalLineEncoder"/>), a line end if the message lacked one, and one empty line. White space in
/// the sender becomes '_' so that readers can still split the From line.</para>
/// <para>Durability: the file is fsynced before the locks go. When a write or the fsync fails (disk full,
/// quota), the file is truncated back to its old size, so readers never see half a message.</para>
/// </remarks>
public sealed class MboxWriter : ILocalMailer
{
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan StaleDotLockAge = TimeSpan.FromMinutes(5);

    const uint FileMode = 0x180;    // 0600
    const int ChunkSize = 64 * 1024;

    readonly TimeProvider _time;

    public MboxWriter(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _time = time ?? TimeProvider.System;
    }

    public string Path { get; }

    /// <summary>How long to wait for the dot-lock and the fcntl lock together.</summary>
    public TimeSpan LockTimeout { get; init; } = DefaultLockTimeout;

    /// <summary>How old a dot-lock must be to count as left over from a crash.</summary>
    public TimeSpan StaleLockAge { get; init; } = StaleDotLockAge;

    public async Task<DeliveryResult> DeliverAsync(Stream message, DeliveryEnvelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        DateTime deadline = DateTime.UtcNow + LockTimeout;

        (DotLock? dotLock, _, DeliveryResult? dotFailure) = await DotLock.AcquireAsync(Path, deadline, StaleLockAge, cancellationToken);
        if (dotFailure is not null)
            return dotFailure;
        try
        {
            int fd = Open(Path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, FileMode);
            if (fd < 0)
                return MailboxFailure.Deferred($"mbox {Path}: cannot open", -fd);
            try
            {
                if (Fstat(fd, out FileStatus status) is int statErrno and not 0)
                    return MailboxFailure.Deferred($"mbox {Path}: fstat", statErrno);
                if (!status.IsRegularFile)
                    return DeliveryResult.Deferred("4.2.0", $"mbox {Path}: not a regular file");
                if (await LockAsync(fd, deadline, cancellationToken) is { } lockFailure)
                    return lockFailure;
                try
                {
                    return await AppendAsync(fd, message, envelope, cancellationToken);
                }
                finally
                {
                    TryLockWhole(fd, unlock: true);
                }
            }
            finally
            {
                Close(fd);
            }
        }
        finally
        {
            dotLock?.Release();
        }
    }

    async Task<DeliveryResult?> LockAsync(int fd, DateTime deadline, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            int errno = TryLockWhole(fd);
            if (errno == 0)
                return null;
            if (errno is not (EAGAIN or EACCES))
                return MailboxFailure.Deferred($"mbox {Path}: fcntl lock", errno);
            if (DateTime.UtcNow >= deadline)
                return DeliveryResult.Deferred("4.2.0", $"mbox {Path}: locked (fcntl) by another process for too long");
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }

    async Task<DeliveryResult> AppendAsync(int fd, Stream message, DeliveryEnvelope envelope, CancellationToken cancellationToken)
    {
        long oldSize = SeekEnd(fd);
        if (oldSize < 0)
            return MailboxFailure.Deferred($"mbox {Path}: lseek", (int)-oldSize);

        DeliveryResult? failure = null;
        try
        {
            failure = await WriteEntryAsync(fd, message, envelope, cancellationToken);
        }
        finally
        {
            // Also when cancelled or when reading the message threw: never leave half an entry behind.
            if (failure is not null || cancellationToken.IsCancellationRequested)
                TruncateBack(fd, oldSize);
        }
        return failure ?? DeliveryResult.Delivered($"delivered to mbox {Path}");
    }

    async Task<DeliveryResult?> WriteEntryAsync(int fd, Stream message, DeliveryEnvelope envelope, CancellationToken cancellationToken)
    {
        string where = $"mbox {Path}: write";
        if (WriteAll(fd, FromLine(envelope.Sender, _time.GetLocalNow())) is int fromErrno and not 0)
            return MailboxFailure.Deferred(where, fromErrno);
        if (LocalHeaders.ReturnPath(envelope) is { } returnPath && WriteAll(fd, returnPath) is int rpErrno and not 0)
            return MailboxFailure.Deferred(where, rpErrno);

        var encoder = new LocalLineEncoder(quoteFromLines: true);
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
                return DeliveryResult.Deferred("4.3.0", $"mbox {Path}: reading the message: {e.Message}");
            }
            ReadOnlySpan<byte> encoded = read == 0 ? encoder.Finish() : encoder.Encode(buffer.AsSpan(0, read));
            if (WriteAll(fd, encoded) is int errno and not 0)
                return MailboxFailure.Deferred(where, errno);
            if (read == 0)
                break;
        }
        // The entry ends with a line end and then an empty line, which separates it from the next From line.
        ReadOnlySpan<byte> end = encoder.EndsWithLineEnd ? "\n"u8 : "\n\n"u8;
        if (WriteAll(fd, end) is int endErrno and not 0)
            return MailboxFailure.Deferred(where, endErrno);
        if (Fsync(fd) is int syncErrno and not 0)
            return MailboxFailure.Deferred($"mbox {Path}: fsync", syncErrno);
        return null;
    }

    void TruncateBack(int fd, long oldSize)
    {
        Truncate(fd, oldSize);
        Fsync(fd);
    }

    /// <summary><c>From sender Mon Nov 24 18:22:48 1986</c> and LF: the asctime(3) date in local time, as
    /// mail readers expect; MAILER-DAEMON for the null or an unknown sender.</summary>
    internal static byte[] FromLine(string? sender, DateTimeOffset localNow)
    {
        string who = string.IsNullOrEmpty(sender) ? "MAILER-DAEMON" : LocalHeaders.Clean(sender);
        var cleaned = new StringBuilder(who.Length);
        foreach (char c in who)
            cleaned.Append(char.IsWhiteSpace(c) ? '_' : c);
        if (cleaned.Length == 0)
            cleaned.Append("MAILER-DAEMON");
        DateTime t = localNow.DateTime;
        string date = string.Create(CultureInfo.InvariantCulture, $"{t:ddd MMM} {t.Day,2} {t:HH:mm:ss yyyy}");
        return Encoding.UTF8.GetBytes($"From {cleaned} {date}\n");
    }
}
