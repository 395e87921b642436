using System.Runtime.InteropServices;

namespace Postmaster.Delivery;

/// <summary>The system calls the mailbox writers make directly, so that every failure comes with its errno
/// (ENOSPC and EDQUOT decide the status code) and nothing .NET adds gets in the way (FileStream takes flock(2)
/// locks of its own on Unix, which mail readers do not expect).</summary>
/// <remarks>Linux values for x86-64 and arm64; "libc.so.6", not "libc" (TOOLCHAIN.md gotcha 5).</remarks>
internal static unsafe partial class FileCalls
{
    const string Library = "libc.so.6";

    public const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_APPEND = 0x400,
        O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    public const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EAGAIN = 11, EACCES = 13, EEXIST = 17, EXDEV = 18, ENOTDIR = 20,
        EISDIR = 21, EINVAL = 22, EFBIG = 27, ENOSPC = 28, EROFS = 30, EMLINK = 31, ENAMETOOLONG = 36,
        ENOSYS = 38, ELOOP = 40, EOPNOTSUPP = 95, EDQUOT = 122;
    public const int SEEK_END = 2;
    public const int SIGKILL = 9;

    [LibraryImport(Library, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenRaw(string path, int flags, uint mode);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteRaw(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncRaw(int fd);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    private static partial int CloseRaw(int fd);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int FtruncateRaw(int fd, long length);

    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    private static partial long LseekRaw(int fd, long offset, int whence);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlLock(int fd, int command, Flock* lockDescription);

    [LibraryImport(Library, EntryPoint = "fstat", SetLastError = true)]
    private static partial int FstatRaw(int fd, byte* buffer);

    [LibraryImport(Library, EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkdirRaw(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int UnlinkRaw(string path);

    [LibraryImport(Library, EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LinkRaw(string from, string to);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int signal);

    static int Errno => Math.Max(1, Marshal.GetLastPInvokeError());

    /// <summary>open(2); returns the descriptor or -errno.</summary>
    public static int Open(string path, int flags, uint mode = 0)
    {
        int fd;
        do
            fd = OpenRaw(path, flags | O_CLOEXEC, mode);
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        return fd >= 0 ? fd : -Errno;
    }

    /// <summary>Writes all of <paramref name="bytes"/>, looping over short writes; returns 0 or the errno.</summary>
    public static int WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            int done = 0;
            while (done < bytes.Length)
            {
                nint n = WriteRaw(fd, start + done, (nuint)(bytes.Length - done));
                if (n < 0)
                {
                    int errno = Errno;
                    if (errno == EINTR)
                        continue;
                    return errno;
                }
                if (n == 0)
                    return EIO;
                done += (int)n;
            }
        }
        return 0;
    }

    public static int Fsync(int fd) => FsyncRaw(fd) == 0 ? 0 : Errno;

    public static int Close(int fd) => CloseRaw(fd) == 0 ? 0 : Errno;

    public static int Truncate(int fd, long length) => FtruncateRaw(fd, length) == 0 ? 0 : Errno;

    /// <summary>The file's size (lseek to the end); -errno on failure.</summary>
    public static long SeekEnd(int fd)
    {
        long result = LseekRaw(fd, 0, SEEK_END);
        return result >= 0 ? result : -Errno;
    }

    public static int Unlink(string path) => UnlinkRaw(path) == 0 ? 0 : Errno;

    public static int Link(string from, string to) => LinkRaw(from, to) == 0 ? 0 : Errno;

    /// <summary>mkdir(2) with <paramref name="mode"/>; 0 or the errno (EEXIST when it is there already).</summary>
    public static int Mkdir(string path, uint mode) => MkdirRaw(path, mode) == 0 ? 0 : Errno;

    /// <summary>kill(2); 0 or the errno. A negative pid names a process group.</summary>
    public static int Kill(int pid, int signal) => KillRaw(pid, signal) == 0 ? 0 : Errno;

    /// <summary>The parts of fstat(2) the writers look at.</summary>
    public readonly record struct FileStatus(uint Mode, ulong Links, uint Uid, long Size)
    {
        const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000;
        public bool IsRegularFile => (Mode & S_IFMT) == S_IFREG;
        public bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;
    }

    /// <summary>fstat(2); 0 or the errno.</summary>
    public static int Fstat(int fd, out FileStatus status)
    {
        byte* buffer = stackalloc byte[256];
        status = default;
        if (FstatRaw(fd, buffer) != 0)
            return Errno;
        // struct stat differs: x86-64 has st_nlink (8 bytes) before st_mode; the generic layout (arm64) has
        // st_mode, then a 4-byte st_nlink.
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
            status = new FileStatus(*(uint*)(buffer + 24), *(ulong*)(buffer + 16), *(uint*)(buffer + 28), *(long*)(buffer + 48));
        else
            status = new FileStatus(*(uint*)(buffer + 16), *(uint*)(buffer + 20), *(uint*)(buffer + 24), *(long*)(buffer + 48));
        return 0;
    }

    // struct flock on 64-bit Linux: short l_type, short l_whence, (pad), off_t l_start, off_t l_len, pid_t l_pid, (pad).
    [StructLayout(LayoutKind.Sequential)]
    struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    // Open file description locks (Linux 3.15+): the same lock space as classic fcntl locks, so they exclude
    // mail readers that use F_SETLK, but they belong to the open file, not the process, so two threads of one
    // process (tests, a future in-process writer) exclude each other too.
    const int F_OFD_SETLK = 37;
    const short F_WRLCK = 1, F_UNLCK = 2;

    /// <summary>Tries once to take (or with <paramref name="unlock"/> release) a write lock on the whole file;
    /// 0, EAGAIN/EACCES when another holds it, or another errno.</summary>
    public static int TryLockWhole(int fd, bool unlock = false)
    {
        var description = new Flock { Type = unlock ? F_UNLCK : F_WRLCK, Whence = 0, Start = 0, Length = 0, Pid = 0 };
        int result;
        do
            result = FcntlLock(fd, F_OFD_SETLK, &description);
        while (result != 0 && Marshal.GetLastPInvokeError() == EINTR);
        return result == 0 ? 0 : Errno;
    }

    /// <summary>"No space left on device": the strerror text.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
