using System.Runtime.InteropServices;
using Postmaster.Spool;

namespace Postmaster.Queue;

/// <summary>The per-message lock that keeps two runners (the daemon's and a cron <c>spool run</c>) from
/// delivering one message at once. Released when disposed, and by the kernel when the process dies, so a
/// crashed attempt never leaves a message locked.</summary>
/// <remarks>An open-file-description lock (fcntl F_OFD_SETLK) on the message body, not flock(2): .NET takes
/// flock locks itself on every FileStream it opens, so a flock here would also shut out our own readers
/// (the DSN builder, <c>spool show</c>). OFD and flock locks do not interact on Linux.</remarks>
internal sealed partial class MessageLock : IDisposable
{
    const int O_RDWR = 2, O_CLOEXEC = 0x80000;
    const int F_OFD_SETLK = 37;
    const short F_WRLCK = 1;
    const int EAGAIN = 11, EACCES = 13, ENOENT = 2;

    readonly int _fd;

    MessageLock(int fd) => _fd = fd;

    /// <summary>Takes the lock without waiting; <c>null</c> when another runner holds it or the message is gone.</summary>
    public static MessageLock? TryAcquire(SpoolDirectory spool, QueueId id)
    {
        int fd = Open(spool.MessagePath(id), O_RDWR | O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT)
                return null;
            throw new IOException($"open {id}.msg: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var request = new Flock { Type = F_WRLCK };   // whole file, from the start
        if (Fcntl(fd, F_OFD_SETLK, ref request) == 0)
            return new MessageLock(fd);
        int error = Marshal.GetLastPInvokeError();
        Close(fd);
        if (error is EAGAIN or EACCES)
            return null;
        throw new IOException($"lock {id}.msg: {Marshal.GetPInvokeErrorMessage(error)}");
    }

    public void Dispose() => Close(_fd);

    // struct flock on x86_64 and arm64 Linux: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid.
    [StructLayout(LayoutKind.Sequential)]
    struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;   // must be 0 for OFD locks
    }

    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, ref Flock request);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);
}
