using Postmaster.Routing;
using Xunit;
using static Postmaster.Tests.Routing.RoutingFixtures;

namespace Postmaster.Tests.Routing;

/// <summary>check-config's static loop check (<see cref="RouteResolver.FindLoops"/>): each row is a table and
/// the errors expected, one per loop, at the rule of the cycle written first.</summary>
public sealed class RouteLoopFinderTests
{
    public static TheoryData<string, Route[], string[]> Rows => new()
    {
        {
            "direct loop, found from both keys, reported once",
            [R(1, "a@x.example", To("b@x.example")), R(2, "b@x.example", To("a@x.example"))],
            ["test.cf:1:1: routing loop: a@x.example -> b@x.example -> a@x.example"]
        },
        {
            "an address rewritten to itself",
            [R(1, "self@x.example", To("Self@X.example"))],
            ["test.cf:1:1: routing loop: self@x.example -> self@x.example"]
        },
        {
            "reported at the cycle's rule written first, not at the entry",
            [R(1, "entry@x.example", To("b@x.example")), R(2, "c@x.example", To("b@x.example")), R(3, "b@x.example", To("c@x.example"))],
            ["test.cf:2:1: routing loop: c@x.example -> b@x.example -> c@x.example"]
        },
        {
            "domain aliases",
            [R(1, "@a.example", Alias("b.example")), R(2, "@b.example", Alias("c.example")), R(3, "@c.example", Alias("a.example"))],
            ["test.cf:1:1: routing loop: @a.example -> @b.example -> @c.example -> @a.example"]
        },
        {
            "a rewrite and a domain alias",
            [R(1, "joe@a.example", To("joe@b.example")), R(2, "@b.example", Alias("a.example"))],
            ["test.cf:1:1: routing loop: joe@a.example -> joe@b.example -> joe@a.example"]
        },
        {
            "L@ rewriting to a local domain",
            [R(1, "sales@", To("sales@shop.example")), R(2, "@shop.example", Mx)],
            ["test.cf:1:1: routing loop: sales@shop.example -> sales@shop.example"]
        },
        {
            "the default route rewriting to a domain it also routes",
            [R(1, "@", To("catchall@fallback.example"))],
            ["test.cf:1:1: routing loop: catchall@fallback.example -> catchall@fallback.example"]
        },
        {
            "a loop behind a target that has no route",
            [R(1, "a@x.example", To("lost@nowhere.example"), To("b@x.example")), R(2, "b@x.example", To("a@x.example"))],
            ["test.cf:1:1: routing loop: a@x.example -> b@x.example -> a@x.example"]
        },
        {
            "two loops, in file order",
            [
                R(1, "@d1.example", Alias("d2.example")), R(2, "p@x.example", To("q@x.example")),
                R(3, "@d2.example", Alias("d1.example")), R(4, "q@x.example", To("p@x.example")),
            ],
            ["test.cf:1:1: routing loop: @d1.example -> @d2.example -> @d1.example", "test.cf:2:1: routing loop: p@x.example -> q@x.example -> p@x.example"]
        },
        {
            "a cycle longer than the depth limit is still a loop",
            [.. Enumerable.Range(0, 25).Select(i => R(i + 1, $"r{i}@x.example", To($"r{(i + 1) % 25}@x.example")))],
            ["test.cf:1:1: routing loop: " + string.Join(" -> ", Enumerable.Range(0, 26).Select(i => $"r{i % 25}@x.example"))]
        },
        {
            "21 rewrites, reported once at the head",
            [.. Chain(21)],
            ["test.cf:1:1: rewrite chain longer than 20: " + string.Join(" -> ", Enumerable.Range(0, 22).Select(i => $"n{i}@deep.example"))]
        },
        {
            "25 rewrites, still once",
            [.. Chain(25)],
            ["test.cf:1:1: rewrite chain longer than 20: " + string.Join(" -> ", Enumerable.Range(0, 22).Select(i => $"n{i}@deep.example"))]
        },
        { "20 rewrites", [.. Chain(20)], [] },
        {
            "lists that meet again are no loop",
            [R(1, "all@x.example", To("a@x.example"), To("b@x.example")), R(2, "a@x.example", To("c@x.example")), R(3, "b@x.example", To("c@x.example")), R(4, "c@x.example", Mx)],
            []
        },
        {
            "the seed's example",
            [
                R(1, "joe.doe@example.org", User("joe")), R(2, "joe.dow@example.org", To("jane.dow@example.org")),
                R(3, "dow.joe@example.org", To("joe@example.net"), To("joe@example.com")), R(4, "@example.com", Alias("example.net")),
                R(5, "joe@example.com", To("joe.doe@example.com")), R(6, "info@", To("propaganda@example.net")),
                R(7, "@acme.example.com", Relay("10.0.0.1:587")), R(8, "@", Relay("isp.example.net", "10.33.0.1")),
                R(9, "abuse@acme.example.com", Pipe("/usr/bin/cat >/dev/null")),
            ],
            []
        },
        { "an empty table", [], [] },
    };

    static IEnumerable<Route> Chain(int rewrites)
    {
        for (int i = 0; i < rewrites; i++)
            yield return R(i + 1, $"n{i}@deep.example", To($"n{i + 1}@deep.example"));
        yield return R(rewrites + 1, $"n{rewrites}@deep.example", Mx);
    }

    [Theory, MemberData(nameof(Rows))]
    public void ReportsEachLoopOnce(string name, Route[] routes, string[] expected)
    {
        _ = name;
        Assert.Equal(expected, Resolver(Table(routes)).FindLoops().Select(e => e.ToString()));
    }

    [Fact]
    public void ReportsLoopsAsErrorsNotWarnings()
    {
        var resolver = Resolver(Table(R(1, "a@x.example", To("a@x.example"))));
        Assert.False(Assert.Single(resolver.FindLoops()).IsWarning);
    }
}
