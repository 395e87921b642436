using Postmaster.Platform;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Postmaster.Spf.Native;

namespace Postmaster.Spf;

/// <summary>Loads libspf2 at run time, once per process. It is optional (DESIGN.md §6): without it the daemon runs
/// and accepts mail without SPF checks, and <c>spf reject</c> is a configuration error.</summary>
/// <remarks>The environment variable <see cref="FileVariable"/> names another file to load instead of the soname
/// (postmaster.8, ENVIRONMENT): a library kept elsewhere, or a name that does not exist, to see how Postmaster
/// behaves without libspf2 without uninstalling it.</remarks>
public static class SpfLibrary
{
    public const string FileVariable = "POSTMASTER_LIBSPF2";

    /// <summary>Symbols every check needs; a file without them is not the libspf2 we know.</summary>
    static readonly string[] Required = ["SPF_server_new_dns", "SPF_request_query_mailfrom", "SPF_dns_rr_new_init", "SPF_dns_rr_buf_realloc"];

    static readonly Lazy<SpfLibraryStatus> s_status = new(LoadForProcess);

    /// <summary>The process's libspf2, loaded on first use from <see cref="FileVariable"/> or the soname.</summary>
    public static SpfLibraryStatus Status => s_status.Value;

    /// <summary>Loads <paramref name="file"/> and checks that it is libspf2; nothing is registered for P/Invoke.</summary>
    public static SpfLibraryStatus Probe(string file)
    {
        nint handle = DynamicLinker.Open(file, out string? problem);
        if (handle == 0)
            return new SpfLibraryStatus(file, 0, problem);
        foreach (string symbol in Required)
        {
            if (DynamicLinker.Symbol(handle, symbol) == 0)
            {
                DynamicLinker.Close(handle);
                return new SpfLibraryStatus(file, 0, $"{file}: not libspf2 (no {symbol})");
            }
        }
        return new SpfLibraryStatus(file, handle, null);
    }

    static SpfLibraryStatus LoadForProcess()
    {
        string? named = Environment.GetEnvironmentVariable(FileVariable);
        SpfLibraryStatus status = Probe(string.IsNullOrEmpty(named) ? LibSpf2.Soname : named);
        if (!status.IsAvailable)
            return status;
        Silence(status.Handle);
        try
        {
            // The [LibraryImport(Soname)] declarations bind to the file just loaded, whatever its name.
            NativeLibrary.SetDllImportResolver(typeof(SpfLibrary).Assembly, (name, _, _) => name == LibSpf2.Soname ? status.Handle : 0);
        }
        catch (InvalidOperationException) when (status.File == LibSpf2.Soname)
        {
            // Another part of this assembly set a resolver first; the default lookup of the soname finds the same file.
        }
        return status;
    }

    /// <summary>libspf2 prints warnings, notes and debug text to stdout and stderr (spf_log.h), which would land in
    /// the daemon's log unformatted; NULL handlers make it quiet. Its error handler is called on a broken
    /// invariant just before abort(): ours leaves one line saying so, where a bare SIGABRT would say nothing.</summary>
    static unsafe void Silence(nint library)
    {
        foreach (string variable in (string[])["SPF_warning_handler", "SPF_info_handler", "SPF_debug_handler"])
        {
            if (NativeLibrary.TryGetExport(library, variable, out nint address))
                *(nint*)address = 0;
        }
        if (NativeLibrary.TryGetExport(library, "SPF_error_handler", out nint handler))
            *(nint*)handler = (nint)(delegate* unmanaged[Cdecl]<byte*, int, byte*, void>)&ReportFatal;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static unsafe void ReportFatal(byte* file, int line, byte* message)
    {
        try
        {
            Console.Error.WriteLine($"postmaster: libspf2 internal error at {Marshal.PtrToStringUTF8((nint)file) ?? "?"}:{line}: " +
                $"{Marshal.PtrToStringUTF8((nint)message)}; libspf2 aborts the process");
            Console.Error.Flush();
        }
        catch (Exception)
        {
            // nothing more can be done: libspf2 calls abort() when this returns
        }
    }
}
