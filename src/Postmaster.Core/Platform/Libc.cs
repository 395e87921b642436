using System.Runtime.InteropServices;

namespace Postmaster.Platform;

/// <summary>The libc calls for changing credentials and file ownership that Tmds.LibC does not cover
/// (TOOLCHAIN.md §3.5). Each returns glibc's result; read errno with <see cref="Marshal.GetLastPInvokeError"/>.</summary>
internal static unsafe partial class Libc
{
    // "libc.so.6", not "libc": the latter first probes the libc6-dev linker script (TOOLCHAIN.md gotcha 5).
    const string Library = "libc.so.6";

    [LibraryImport(Library, EntryPoint = "setgroups", SetLastError = true)]
    internal static partial int SetGroups(nuint size, uint* list);

    // glibc's setgid/setuid wrappers apply the change to every thread of the process (SIGSETXID), which is
    // what a multi-threaded .NET process needs; the raw syscalls would only change the calling thread.
    [LibraryImport(Library, EntryPoint = "setgid", SetLastError = true)]
    internal static partial int SetGid(uint gid);

    [LibraryImport(Library, EntryPoint = "setuid", SetLastError = true)]
    internal static partial int SetUid(uint uid);

    [LibraryImport(Library, EntryPoint = "getuid")]
    internal static partial uint GetUid();

    [LibraryImport(Library, EntryPoint = "geteuid")]
    internal static partial uint GetEUid();

    [LibraryImport(Library, EntryPoint = "getgid")]
    internal static partial uint GetGid();

    [LibraryImport(Library, EntryPoint = "getegid")]
    internal static partial uint GetEGid();

    // lchown, not chown: a symbolic link planted in a directory being handed over must not hand over its target.
    [LibraryImport(Library, EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Chown(string path, uint owner, uint group);

    /// <summary>"Operation not permitted (errno 1)": strerror text plus the number, on one line.</summary>
    internal static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
