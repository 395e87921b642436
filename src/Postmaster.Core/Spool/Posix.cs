using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Postmaster.Spool;

/// <summary>The few system calls the spool needs and .NET does not offer: directory fsync, rename without
/// replacing, and free space.</summary>
/// <remarks>"libc.so.6", not "libc": the bare name can hit the linker script libc.so (TOOLCHAIN.md).
/// Failures become <see cref="IOException"/> naming the call, the path and strerror, so the SMTP
/// session answers 451/452 and the log says why.</remarks>
internal static partial class Posix
{
    // Linux values (x86-64 and arm64 alike).
    const int O_RDONLY = 0, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;
    const int AT_FDCWD = -100;
    const uint RENAME_NOREPLACE = 1;
    public const int ENOENT = 2, EEXIST = 17, EINVAL = 22, ENOSYS = 38;

    const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    const UnixFileMode Mode0700 = Mode0600 | UnixFileMode.UserExecute;

    [SupportedOSPlatformGuard("linux")]
    static bool IsLinux => OperatingSystem.IsLinux();

    /// <summary>Options for a new private file: O_CREAT|O_EXCL, mode 0600 (before the umask, which can only take bits away).</summary>
    public static FileStreamOptions NewPrivateFile(FileAccess access, int bufferSize, FileOptions options = FileOptions.None)
    {
        var result = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = access,
            Share = FileShare.None,
            BufferSize = bufferSize,
            Options = options,
        };
        if (IsLinux)
            result.UnixCreateMode = Mode0600;
        return result;
    }

    /// <summary>mkdir -p with mode 0700 for what it creates; an existing directory keeps its mode.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (IsLinux)
            Directory.CreateDirectory(path, Mode0700);
        else
            Directory.CreateDirectory(path);
    }

    /// <summary>Opens a directory for <see cref="SyncFileSystem"/>; close it with <see cref="CloseDescriptor"/>.</summary>
    public static int OpenDirectory(string path)
    {
        int fd = Open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 ? fd : throw Failure("open", path);
    }

    /// <summary>syncfs(2): everything written to the file system of <paramref name="fd"/> is on disk.</summary>
    public static void SyncFileSystem(int fd, string path)
    {
        if (SyncFs(fd) != 0)
            throw Failure("syncfs", path);
    }

    public static void CloseDescriptor(int fd) => Close(fd);

    /// <summary>st_dev of stat(2): which file system <paramref name="path"/> is on.</summary>
    /// <exception cref="IOException">stat failed; HResult is the errno (ENOENT for a missing path).</exception>
    public static unsafe ulong DeviceOf(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (Stat(path, buffer) != 0)
            throw Failure("stat", path);
        return *(ulong*)buffer;       // st_dev is the first field on x86-64 and on the generic layout (arm64) alike
    }

    /// <summary>fsync(2) a directory so that the renames and creations in it survive a power cut.</summary>
    /// <remarks>.NET has no API for this: File.OpenHandle on a directory throws on Linux.</remarks>
    public static void FsyncDirectory(string path)
    {
        int fd = Open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            throw Failure("open", path);
        try
        {
            if (Fsync(fd) != 0)
                throw Failure("fsync", path);
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>rename(2) that fails with EEXIST instead of replacing <paramref name="to"/>.</summary>
    /// <remarks>renameat2(RENAME_NOREPLACE) where the file system supports it (ext4, xfs, btrfs, tmpfs);
    /// elsewhere link(2) + unlink(2), which is just as exclusive.</remarks>
    public static void RenameNoReplace(string from, string to)
    {
        if (!TryRenameNoReplace(from, to, out int errno))
            throw Failure("rename", $"{from} -> {to}", errno);
    }

    /// <summary><see cref="RenameNoReplace"/> that reports the errno (EEXIST: the target exists) instead of throwing.</summary>
    public static bool TryRenameNoReplace(string from, string to, out int errno)
    {
        errno = 0;
        if (RenameAt2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
            return true;
        errno = Marshal.GetLastPInvokeError();
        if (errno != EINVAL && errno != ENOSYS)
            return false;
        if (Link(from, to) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        if (Unlink(from) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        return true;
    }

    /// <summary>rename(2): atomically replaces <paramref name="to"/>.</summary>
    public static void Rename(string from, string to)
    {
        if (RenameRaw(from, to) != 0)
            throw Failure("rename", $"{from} -> {to}");
    }

    /// <summary>Octets an unprivileged process may still write on the file system holding <paramref name="path"/>.</summary>
    public static unsafe long AvailableBytes(string path)
    {
        StatVfs buffer;
        if (StatVfsRaw(path, &buffer) != 0)
            throw Failure("statvfs", path);
        return (long)Math.Min(buffer.Available * buffer.FragmentSize, long.MaxValue);
    }

    public static IOException Failure(string call, string path, int? errno = null)
    {
        int code = errno ?? Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(code)}", code);   // HResult = errno, as .NET does on Unix
    }

    // struct statvfs of glibc on 64-bit Linux: eleven 8-byte fields, then int __f_spare[6].
    [StructLayout(LayoutKind.Sequential)]
    unsafe struct StatVfs
    {
        public ulong BlockSize, FragmentSize, Blocks, Free, Available, Files, FreeFiles, AvailableFiles, FsId, Flags, NameMax;
        public fixed int Spare[6];
    }

    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Stat(string path, byte* buffer);

    [LibraryImport("libc.so.6", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameRaw(string from, string to);

    [LibraryImport("libc.so.6", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameAt2(int fromDirectory, string from, int toDirectory, string to, uint flags);

    [LibraryImport("libc.so.6", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string from, string to);

    [LibraryImport("libc.so.6", EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Unlink(string path);

    [LibraryImport("libc.so.6", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatVfsRaw(string path, StatVfs* buffer);
}
