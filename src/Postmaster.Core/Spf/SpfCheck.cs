using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using DnsClient;
using Postmaster.Spf.Native;

namespace Postmaster.Spf;

/// <summary>One SPF check through libspf2, synchronously: libspf2 blocks on every DNS query, so this runs on an
/// SPF worker thread (<see cref="SpfWorkers"/>), never on an I/O thread. Each check has its own libspf2 server,
/// request, response and DNS layer, all freed before it returns, so checks share nothing but the DNS client.</summary>
internal static class SpfCheck
{
    /// <summary>Runs <paramref name="query"/>. A malformed record is a permerror and a DNS failure or the passing of
    /// <paramref name="deadline"/> a temperror, never an exception; only a broken libspf2 throws.</summary>
    /// <param name="receiver">Our host name, for libspf2's %{r} macro and its texts.</param>
    /// <param name="deadline">A <see cref="Stopwatch"/> timestamp: no DNS query is waited for beyond it.</param>
    public static SpfOutcome Run(SpfQuery query, ILookupClient dns, string receiver, long deadline)
    {
        var clock = Stopwatch.StartNew();
        string? domain = query.Domain;
        if (domain is null)
            return new SpfOutcome(query, SpfResult.None, null, 0, clock.Elapsed);   // RFC 7208 §4.3: nothing to check

        var lookup = new SpfDnsLookup(dns, deadline);
        (SpfResult result, string? problem) = Evaluate(query, lookup, receiver);
        if (lookup.TimedOut && result is SpfResult.TempError)
            problem = "DNS timeout";
        return new SpfOutcome(query, result, problem, lookup.Queries, clock.Elapsed);
    }

    static unsafe (SpfResult, string?) Evaluate(SpfQuery query, SpfDnsLookup lookup, string receiver)
    {
        // Disposed in reverse order: response, request, then the server, which releases the DNS layer last.
        using var layer = new SpfDnsLayer(lookup);
        using SpfServerHandle server = LibSpf2.SPF_server_new_dns(layer.Pointer, 0);
        if (server.IsInvalid)
            return (SpfResult.TempError, "libspf2: out of memory");
        server.Hold(layer);
        Check(LibSpf2.SPF_server_set_rec_dom(server, receiver), "SPF_server_set_rec_dom");

        using SpfRequestHandle request = LibSpf2.SPF_request_new(server);
        if (request.IsInvalid)
            return (SpfResult.TempError, "libspf2: out of memory");
        IPAddress client = Plain(query.Client);
        Check(client.AddressFamily == AddressFamily.InterNetwork
            ? LibSpf2.SPF_request_set_ipv4_str(request, client.ToString())
            : LibSpf2.SPF_request_set_ipv6_str(request, client.ToString()), "SPF_request_set_ip_str");
        // The sender first: given only a HELO name, libspf2 checks postmaster@HELO (RFC 7208 §2.3, §2.4).
        if (query.Identity == SpfIdentity.MailFrom && query.Sender is not null)
            Check(LibSpf2.SPF_request_set_env_from(request, query.Sender.ToString()), "SPF_request_set_env_from");
        if (MacroSafe(query.Helo) is { } helo)
            Check(LibSpf2.SPF_request_set_helo_dom(request, helo), "SPF_request_set_helo_dom");

        LibSpf2.SPF_request_query_mailfrom(request, out SpfResponseHandle response);
        using (response)
        {
            if (response.IsInvalid)
                return (SpfResult.TempError, "libspf2: out of memory");
            return Interpret(response);
        }
    }

    /// <summary>libspf2's result, with its Invalid sorted out (TOOLCHAIN.md gotcha 8): when no record could be
    /// used, the collected errors say whether DNS failed (temperror, RFC 7208 §4.4), a record did not compile
    /// (permerror, §4.6), or there simply is none (none, §4.5).</summary>
    static (SpfResult, string?) Interpret(SpfResponseHandle response)
    {
        SpfResult result = LibSpf2.SPF_response_result(response);
        if (result is SpfResult.Pass or SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral or SpfResult.None)
            return (result, null);
        List<(int Code, string Message)> errors = Errors(response);
        // libspf2 1.2.10 (Debian's) reports a failed lookup of the sender's own record as permerror: only the
        // DNS error among its messages says that it is temporary (RFC 7208 §4.4).
        if (result == SpfResult.TempError || errors.Any(e => e.Code == LibSpf2.ErrorDnsError))
            return (SpfResult.TempError, "DNS failure");
        string? specific = errors.FirstOrDefault(e => e.Code != LibSpf2.ErrorNotSpf).Message;
        if (result == SpfResult.Invalid)
            return specific is null ? (SpfResult.None, null) : (SpfResult.PermError, specific);
        return (SpfResult.PermError, specific ?? errors.FirstOrDefault().Message ?? Describe(LibSpf2.SPF_response_errcode(response)));
    }

    /// <summary>The errors (not the warnings) libspf2 collected, with its messages.</summary>
    static List<(int Code, string Message)> Errors(SpfResponseHandle response)
    {
        var errors = new List<(int, string)>();
        int count = LibSpf2.SPF_response_messages(response);
        for (int i = 0; i < count; i++)
        {
            nint error = LibSpf2.SPF_response_message(response, i);
            if (error == 0 || LibSpf2.SPF_error_errorp(error) == 0)
                continue;   // a warning
            int code = LibSpf2.SPF_error_code(error);
            errors.Add((code, Marshal.PtrToStringUTF8(LibSpf2.SPF_error_message(error)) ?? Describe(code)));
        }
        return errors;
    }

    static string Describe(int code) => Marshal.PtrToStringUTF8(LibSpf2.SPF_strerror(code)) ?? $"libspf2 error {code}";

    /// <summary>Without a scope id ("fe80::1%2" would not parse in C) and not IPv4-mapped.</summary>
    static IPAddress Plain(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
        : address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(address.GetAddressBytes())
        : address;

    /// <summary>The HELO argument for libspf2's %{h} macro: printable ASCII only, since it ends up in DNS names.</summary>
    static string? MacroSafe(string? helo) =>
        helo is { Length: > 0 and <= 255 } && helo.All(c => c is > ' ' and < '\x7f') ? helo : null;

    static void Check(int error, string call)
    {
        if (error != LibSpf2.ErrorNone)
            throw new InvalidOperationException($"libspf2 {call} failed: {Describe(error)}");
    }
}
