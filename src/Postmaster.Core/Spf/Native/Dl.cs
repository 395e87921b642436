using System.Runtime.InteropServices;

namespace Postmaster.Spf.Native;

/// <summary>dlopen(3) itself rather than NativeLibrary.Load: dlerror() says in one line why a library cannot be
/// loaded, which is what check-config and the log should print. glibc 2.34 and later have it in libc.so.6.</summary>
internal static partial class Dl
{
    const int RtldNow = 2;

    [LibraryImport("libc.so.6", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlOpen(string file, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "dlerror")]
    private static partial nint DlError();

    /// <summary>Loads <paramref name="file"/> (a soname is searched for, a path is taken as it is), resolving
    /// every symbol now; 0 and the reason when it cannot.</summary>
    public static nint Open(string file, out string? problem)
    {
        // Bind dlerror before dlopen: binding a P/Invoke calls dlsym, which would clear dlopen's error message.
        DlError();
        nint handle = DlOpen(file, RtldNow);
        problem = handle == 0 ? Marshal.PtrToStringUTF8(DlError()) ?? $"{file}: cannot be loaded" : null;
        return handle;
    }
}
