using System.Runtime.InteropServices;

namespace Postmaster.Spf.Native;

/// <summary>The libspf2 1.2.10 calls Postmaster makes (headers: spf_server.h, spf_request.h, spf_response.h,
/// spf_dns_rr.h), bound by soname so only the runtime package libspf2-2 is needed (TOOLCHAIN.md §3.8).</summary>
/// <remarks>libspf2 calls abort() through its SPF_error handler on broken invariants (a NULL argument, a DNS
/// layer that returns NULL), so callers hand it only values they have checked: never a null string, an IP
/// address text made by <see cref="System.Net.IPAddress.ToString"/>, a DNS layer that always answers.
/// The library is found through <see cref="SpfLibrary"/>, which can point the soname at another file.</remarks>
internal static unsafe partial class LibSpf2
{
    public const string Soname = "libspf2.so.2";

    /// <summary>h_errno values a DNS layer answers with (netdb.h).</summary>
    public const int NetdbSuccess = 0, HostNotFound = 1, TryAgain = 2, NoRecovery = 3, NoData = 4;

    /// <summary>RR types libspf2 asks for (arpa/nameser.h); 99 is the obsolete SPF type.</summary>
    public const int TypeA = 1, TypePtr = 12, TypeMx = 15, TypeTxt = 16, TypeAaaa = 28, TypeSpf = 99;

    /// <summary>SPF_errcode_t values this code looks at.</summary>
    public const int ErrorNone = 0, ErrorNotSpf = 2, ErrorDnsError = 26;

    [LibraryImport(Soname)]
    public static partial SpfServerHandle SPF_server_new_dns(SpfDnsServer* dns, int debug);

    [LibraryImport(Soname)]
    public static partial void SPF_server_free(nint server);

    [LibraryImport(Soname, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SPF_server_set_rec_dom(SpfServerHandle server, string domain);

    [LibraryImport(Soname)]
    public static partial SpfRequestHandle SPF_request_new(SpfServerHandle server);

    [LibraryImport(Soname)]
    public static partial void SPF_request_free(nint request);

    [LibraryImport(Soname, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SPF_request_set_ipv4_str(SpfRequestHandle request, string address);

    [LibraryImport(Soname, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SPF_request_set_ipv6_str(SpfRequestHandle request, string address);

    [LibraryImport(Soname, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SPF_request_set_helo_dom(SpfRequestHandle request, string domain);

    [LibraryImport(Soname, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SPF_request_set_env_from(SpfRequestHandle request, string from);

    /// <summary>Evaluates the request; <paramref name="response"/> is allocated even when an error code comes back.</summary>
    [LibraryImport(Soname)]
    public static partial int SPF_request_query_mailfrom(SpfRequestHandle request, out SpfResponseHandle response);

    [LibraryImport(Soname)]
    public static partial SpfResult SPF_response_result(SpfResponseHandle response);

    [LibraryImport(Soname)]
    public static partial int SPF_response_errcode(SpfResponseHandle response);

    /// <summary>Errors and warnings collected while finding, compiling and running the record.</summary>
    [LibraryImport(Soname)]
    public static partial int SPF_response_messages(SpfResponseHandle response);

    [LibraryImport(Soname)]
    public static partial nint SPF_response_message(SpfResponseHandle response, int index);

    [LibraryImport(Soname)]
    public static partial int SPF_error_code(nint error);

    [LibraryImport(Soname)]
    public static partial nint SPF_error_message(nint error);

    [LibraryImport(Soname)]
    public static partial byte SPF_error_errorp(nint error);

    [LibraryImport(Soname)]
    public static partial nint SPF_strerror(int code);

    [LibraryImport(Soname)]
    public static partial void SPF_response_free(nint response);

    /// <summary>A fresh answer record owned by libspf2 (it frees it), for a DNS layer's lookup callback.</summary>
    [LibraryImport(Soname)]
    public static partial SpfDnsRecord* SPF_dns_rr_new_init(SpfDnsServer* layer, byte* domain, int type, int ttl, int herrno);

    /// <summary>Makes room for answer <paramref name="index"/> of at least <paramref name="length"/> bytes (at least 16).</summary>
    [LibraryImport(Soname)]
    public static partial int SPF_dns_rr_buf_realloc(SpfDnsRecord* record, int index, nuint length);
}
