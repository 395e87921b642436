using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using DnsClient;
using Postmaster.Mail;
using Postmaster.Spf;
using Xunit;

namespace Postmaster.Tests.Spf;

/// <summary>Every libspf2 object of a check is freed: the C heap does not grow with the number of checks.
/// Alone, so other tests' native allocations do not blur the measurement.</summary>
[Collection(nameof(SpfLeakTests))]
public sealed class SpfLeakTests(SpfDnsmasq dnsmasq) : IClassFixture<SpfDnsmasq>
{
    [StructLayout(LayoutKind.Sequential)]
    struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    // DllImport: this test project does not allow unsafe code, which LibraryImport needs.
    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    static extern MallInfo2 MallInfo();

    /// <summary>Bytes in use in glibc's malloc heap (libspf2 allocates only there).</summary>
    static long MallocInUse() => (long)MallInfo().Uordblks;

    [Fact]
    public void ThousandsOfChecksLeaveTheMallocHeapAsItWas()
    {
        var dns = new LookupClient(new LookupClientOptions(new NameServer(dnsmasq.EndPoint)) { UseCache = true, ThrowDnsErrors = false });
        string[] senders = ["a@pass.test", "a@fail.test", "a@broken.test", "a@nospf.test", "a@mechanisms.test", "a@two.test"];
        int checks = 0;
        void Run(int count)
        {
            for (int i = 0; i < count; i++, checks++)
            {
                var query = new SpfQuery(IPAddress.Parse(checks % 2 == 0 ? "192.0.2.2" : "198.51.100.9"), "client.test",
                    Mailbox.Parse(senders[checks % senders.Length]), checks % 7 == 0 ? SpfIdentity.Helo : SpfIdentity.MailFrom);
                SpfCheck.Run(query, dns, "mx.receiver.test", Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency);
            }
        }

        // Warm up DnsClient's cache and let the JIT's tiering settle: the runtime mallocs too, in bursts.
        Run(3000);
        Thread.Sleep(1000);
        // A leak grows the heap in every round; the runtime's bursts come in some.
        var growth = new List<double>();
        for (int round = 0; round < 5; round++)
        {
            long before = MallocInUse();
            Run(1000);
            growth.Add((MallocInUse() - before) / 1000.0);
        }

        // One forgotten server, request or response per check would be a few hundred bytes each.
        Assert.True(growth.Min() < 16, $"the malloc heap grew in every round, by {string.Join(", ", growth)} bytes per check");
    }
}
