using Postmaster.Mail;
using Postmaster.Platform;
using Postmaster.Routing;
using Xunit;
using static Postmaster.Tests.Routing.RoutingFixtures;

namespace Postmaster.Tests.Routing;

/// <summary>What RCPT relies on: no exception for any address, many threads at once, and bounded work
/// for tables whose lists fan out.</summary>
public sealed class RouteResolverRobustnessTests
{
    static readonly RouteTable Mixed = Table(
        R(1, "joe@example.org", User("joe"), To("joe@example.com")),
        R(2, "@example.com", Alias("example.net")),
        R(3, "info@", To("info+x@example.org"), Pipe("/bin/info $USER")),
        R(4, "a@loop.example", To("b@loop.example")),
        R(5, "b@loop.example", To("A@loop.example")),
        R(6, "@d1.example", Alias("d2.example")),
        R(7, "@d2.example", Alias("d1.example")),
        R(8, "ghost@", User("ghost")),
        R(9, "\"quoted+x\"@example.org", Mx),
        R(10, "@[192.0.2.1]", Relay("2001:db8::1")),
        R(11, "@", Relay("smarthost.example.net")));

    static readonly string[] LocalParts =
        ["joe", "JOE", "info", "a", "b", "ghost", "postmaster", "PostMaster", "root", "alice", "Bob", "\"quoted+x\"", "\"a b\"", "x", "déjà", "+", "a.b", "joe+", "joe+x", "-"];

    static readonly string[] Domains =
        ["example.org", "EXAMPLE.COM", "example.net", "loop.example", "d1.example", "d2.example", "mx.example.net", "localhost", "[192.0.2.1]", "[IPv6:2001:db8::1]", "elsewhere.example", "xn--bcher-kva.example"];

    static IEnumerable<Mailbox> RandomAddresses(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            string local = LocalParts[random.Next(LocalParts.Length)];
            if (random.Next(3) == 0 && !local.StartsWith('"'))
                local += "+" + LocalParts[random.Next(LocalParts.Length)].Trim('"', '+');
            string text = $"{local}@{Domains[random.Next(Domains.Length)]}";
            if (Mailbox.TryParse(text, out Mailbox? address))
                yield return address;
        }
    }

    [Fact]
    public void NeverThrows()
    {
        foreach ((RouteTable table, Target mailer) in new[]
            { (Mixed, DefaultLocalMailer), (Mixed, Pipe("/usr/bin/procmail -d $USER")), (RouteTable.Empty, DefaultLocalMailer) })
        {
            RouteResolver resolver = Resolver(table, mailer);
            foreach (Mailbox address in RandomAddresses(5000, 42))
            {
                Resolution resolution = resolver.Resolve(address);
                Assert.Equal(resolution.Failure is null, resolution.Targets.Length > 0);
            }
            Assert.NotNull(resolver.FindLoops());
        }
    }

    [Fact]
    public void ResolvesFromManyThreadsAtOnce()
    {
        RouteResolver resolver = Resolver(Mixed);
        Mailbox[] addresses = [.. RandomAddresses(500, 7)];
        string[] expected = [.. addresses.Select(a => Render(resolver.Resolve(a)))];
        var actual = new string[addresses.Length * 20];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => actual[i] = Render(resolver.Resolve(addresses[i % addresses.Length])));
        for (int i = 0; i < actual.Length; i++)
            Assert.Equal(expected[i % addresses.Length], actual[i]);
    }

    [Fact]
    public void WalksEachAddressOnceWhenListsFanOut()
    {
        // Each level lists both addresses of the next: 2^20 paths, 42 addresses.
        var routes = new List<Route>();
        for (int i = 0; i < 20; i++)
        {
            foreach (string side in (string[])["a", "b"])
                routes.Add(R(routes.Count + 1, $"d{i}{side}@fan.example", To($"d{i + 1}a@fan.example"), To($"d{i + 1}b@fan.example")));
        }
        routes.Add(R(routes.Count + 1, "d20a@fan.example", User("joe")));
        routes.Add(R(routes.Count + 1, "d20b@fan.example", User("joe")));
        var users = new FakeUserDatabase(new SystemUser("joe", 1000, 1000, "/home/joe", "/bin/sh"));
        var resolver = new RouteResolver(Table([.. routes]), Hostname, DefaultLocalMailer, users);

        Assert.Equal("d20a@fan.example maildir(/home/joe/Maildir/); d20b@fan.example maildir(/home/joe/Maildir/)",
            Resolve(resolver, "d0a@fan.example"));
        Assert.Equal(2, users.Lookups);
        Assert.Empty(resolver.FindLoops());
    }

    [Fact]
    public void FindsTheTooDeepChainBehindAnAddressAlreadyWalked()
    {
        // x is walked first at depth 2 (x -> y -> z: fine), then reached again at depth 19, where z is at 21.
        RouteResolver resolver = Resolver(Table(
        [
            R(1, "start@example.org", To("short@example.org"), To("long0@example.org")),
            R(2, "short@example.org", To("x@example.org")),
            R(3, "x@example.org", To("y@example.org")),
            R(4, "y@example.org", To("z@example.org")),
            R(5, "z@example.org", Mx),
            .. Enumerable.Range(0, 18).Select(i =>
                R(10 + i, $"long{i}@example.org", To(i < 17 ? $"long{i + 1}@example.org" : "x@example.org"))),
        ]));
        Assert.Equal("z@example.org relay", Resolve(resolver, "short@example.org"));
        Assert.Equal("TooDeep", Resolve(resolver, "start@example.org"));
    }
}
