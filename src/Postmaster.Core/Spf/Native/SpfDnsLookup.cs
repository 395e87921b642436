using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using DnsClient;
using DnsClient.Protocol;
using Postmaster.Dns;

namespace Postmaster.Spf.Native;

/// <summary>Answers libspf2's DNS questions for one check through DnsClient (the <c>dns-servers</c> setting),
/// until the check's deadline (a <see cref="System.Diagnostics.Stopwatch"/> timestamp): after it every answer is a
/// temporary failure, so libspf2 ends with temperror at once instead of waiting for more queries.</summary>
/// <remarks>Runs on an SPF worker thread, inside libspf2's call stack; blocking there is the point of the
/// workers (<see cref="SpfWorkers"/>).</remarks>
internal sealed unsafe class SpfDnsLookup(ILookupClient client, long deadline)
{
    /// <summary>Queries sent so far (for the log and the tests).</summary>
    public int Queries { get; private set; }

    /// <summary>Whether an answer was given up on because the deadline had passed.</summary>
    public bool TimedOut { get; private set; }

    public SpfDnsRecord* Answer(SpfDnsServer* layer, byte* domain, int type)
    {
        string name = Marshal.PtrToStringUTF8((nint)domain) ?? "";
        QueryType? queryType = type switch
        {
            LibSpf2.TypeA => QueryType.A,
            LibSpf2.TypeAaaa => QueryType.AAAA,
            LibSpf2.TypeMx => QueryType.MX,
            LibSpf2.TypeTxt => QueryType.TXT,
            LibSpf2.TypePtr => QueryType.PTR,
            _ => null,   // RFC 7208 §3.1: SPF records are TXT records only; libspf2 still asks for type 99 first
        };
        if (queryType is null)
            return Empty(layer, domain, type, LibSpf2.NoData);
        if (name.Length == 0 || name.Length > 253)
            return Empty(layer, domain, type, LibSpf2.HostNotFound);
        TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        if (left <= TimeSpan.Zero)
        {
            TimedOut = true;
            return Empty(layer, domain, type, LibSpf2.TryAgain);
        }

        IDnsQueryResponse response;
        using var timeLeft = new CancellationTokenSource(left);
        try
        {
            Queries++;
            response = DnsLookup.Within(client.QueryAsync(name, queryType.Value, QueryClass.IN, timeLeft.Token), timeLeft.Token)
                .GetAwaiter().GetResult();
        }
        catch (ArgumentException)
        {
            // Not a name DNS can carry (a macro expanded from a strange local part): it cannot exist.
            return Empty(layer, domain, type, LibSpf2.HostNotFound);
        }
        catch (Exception)
        {
            // Timeouts, unreachable servers, truncated answers: RFC 7208 §4.4 makes them a temperror.
            TimedOut |= timeLeft.IsCancellationRequested;
            return Empty(layer, domain, type, LibSpf2.TryAgain);
        }

        // RFC 7208 §4.4: NXDOMAIN is "no such name", RCODE 0 without answers "no data", any other RCODE temperror.
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            return Empty(layer, domain, type, LibSpf2.HostNotFound);
        if (response.Header.ResponseCode != DnsHeaderResponseCode.NoError)
            return Empty(layer, domain, type, LibSpf2.TryAgain);

        List<byte[]> answers = Answers(response, queryType.Value);
        SpfDnsRecord* record = Empty(layer, domain, type, answers.Count == 0 ? LibSpf2.NoData : LibSpf2.NetdbSuccess);
        for (int i = 0; i < answers.Count; i++)
        {
            if (LibSpf2.SPF_dns_rr_buf_realloc(record, i, (nuint)answers[i].Length) != LibSpf2.ErrorNone)
            {
                record->Herrno = LibSpf2.TryAgain;   // out of memory: keep what fits, call it temporary
                break;
            }
            answers[i].CopyTo(new Span<byte>(record->Answers[i], answers[i].Length));
            record->Count = i + 1;
        }
        return record;
    }

    /// <summary>The answers of the type asked for (a CNAME chain brings others along), in libspf2's formats:
    /// 4 or 16 address bytes, or a NUL-terminated name or text.</summary>
    static List<byte[]> Answers(IDnsQueryResponse response, QueryType type)
    {
        var answers = new List<byte[]>();
        foreach (DnsResourceRecord record in response.Answers)
        {
            byte[]? data = (type, record) switch
            {
                (QueryType.A, ARecord a) => a.Address.GetAddressBytes(),
                (QueryType.AAAA, AaaaRecord aaaa) => aaaa.Address.GetAddressBytes(),
                (QueryType.MX, MxRecord mx) => Text(mx.Exchange.Value.TrimEnd('.')),
                (QueryType.PTR, PtrRecord ptr) => Text(ptr.PtrDomainName.Value.TrimEnd('.')),
                // RFC 7208 §3.3: the strings of one TXT record are joined without anything in between.
                (QueryType.TXT, TxtRecord txt) => Text(string.Concat(txt.Text)),
                _ => null,
            };
            if (data is not null)
                answers.Add(data);
        }
        return answers;
    }

    /// <summary>UTF-8 with a terminating NUL; a NUL inside would cut the C string short, so it becomes '?'.</summary>
    static byte[] Text(string text)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        for (int i = 0; i < bytes.Length - 1; i++)
        {
            if (bytes[i] == 0)
                bytes[i] = (byte)'?';
        }
        return bytes;
    }

    static SpfDnsRecord* Empty(SpfDnsServer* layer, byte* domain, int type, int herrno) =>
        LibSpf2.SPF_dns_rr_new_init(layer, domain, type, 0, herrno);
}
