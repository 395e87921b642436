using System.Runtime.InteropServices;

namespace Postmaster.Platform;

/// <summary>dlopen(3) and dlsym(3) from glibc (libc.so.6 since glibc 2.34), for policy plugins and libspf2.</summary>
/// <remarks>Why not <see cref="NativeLibrary.Load(string)"/>: it opens with RTLD_LAZY, so a plugin with an
/// unresolved symbol loads fine and then ends the whole daemon ("symbol lookup error") at its first call.
/// RTLD_NOW finds that at load time, where it is a configuration error; and dlerror(3) says in one line why a
/// library cannot be loaded, which is what check-config and the log print.</remarks>
internal static unsafe partial class DynamicLinker
{
    const string Library = "libc.so.6";
    const int RtldNow = 0x2;     // <dlfcn.h>: resolve every symbol now
    const int RtldLocal = 0;     // its symbols do not resolve other libraries' references

    /// <summary>Opens <paramref name="path"/>; 0 with dlerror(3)'s text in <paramref name="problem"/> when it cannot.</summary>
    public static nint Open(string path, out string? problem)
    {
        // dlerror's own binding is resolved lazily, by a dlopen/dlsym of libc that would clear the error we want:
        // so call it once before (which also clears an old error).
        DlError();
        nint handle = DlOpen(path, RtldNow | RtldLocal);
        problem = handle == 0 ? LastError() ?? "dlopen failed" : null;
        return handle;
    }

    /// <summary>The address of <paramref name="symbol"/>, or 0 when the library does not define it.</summary>
    public static nint Symbol(nint handle, string symbol)
    {
        DlError();   // clear any earlier error (dlsym(3): a symbol's value may legitimately be NULL)
        return DlSym(handle, symbol);
    }

    /// <summary>Lets go of a library none of whose code has run (a failed dlsym); libraries in use are never closed.</summary>
    public static void Close(nint handle) => DlClose(handle);

    static string? LastError()
    {
        byte* text = DlError();
        return text == null ? null : Marshal.PtrToStringUTF8((nint)text);
    }

    [LibraryImport(Library, EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlOpen(string path, int flags);

    [LibraryImport(Library, EntryPoint = "dlsym", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlSym(nint handle, string symbol);

    [LibraryImport(Library, EntryPoint = "dlerror")]
    private static partial byte* DlError();

    [LibraryImport(Library, EntryPoint = "dlclose")]
    private static partial int DlClose(nint handle);
}
