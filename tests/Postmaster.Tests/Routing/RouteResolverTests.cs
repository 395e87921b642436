using Postmaster.Mail;
using Postmaster.Routing;
using Xunit;
using static Postmaster.Tests.Routing.RoutingFixtures;

namespace Postmaster.Tests.Routing;

/// <summary>Resolution through tables built from values: the lookup order of DESIGN.md §2 and the
/// "Resolution" section of notes/config-format.md. Each row: address → rendered resolution.</summary>
public sealed class RouteResolverTests
{
    // Every step has a rule that could also match the addresses of the steps after it.
    static readonly RouteResolver Precedence = Resolver(Table(
        R(1, "joe@example.org", Pipe("/bin/exact")),
        R(2, "joe@", Pipe("/bin/local-part")),
        R(3, "@example.org", Pipe("/bin/domain")),
        R(4, "info@", Pipe("/bin/info")),
        R(5, "@", Relay("smarthost.example.net")),
        R(6, "alice@example.com", Pipe("/bin/alice"))));

    public static TheoryData<string, string> PrecedenceRows => new()
    {
        // 1. exact beats L@, @D and @
        { "joe@example.org", "joe@example.org pipe(/bin/exact)" },
        // 2. L@ at a local domain (named in a key) beats @D
        { "joe@example.com", "joe@example.com pipe(/bin/local-part)" },
        { "info@example.org", "info@example.org pipe(/bin/info)" },
        // ...and at the hostname and localhost, before the passwd users
        { "joe@mx.example.net", "joe@mx.example.net pipe(/bin/local-part)" },
        { "joe@localhost", "joe@localhost pipe(/bin/local-part)" },
        // ...but not at a foreign domain: that goes to @
        { "joe@elsewhere.example", "joe@elsewhere.example relay(smarthost.example.net:25)" },
        // 3. @D
        { "jane@example.org", "jane@example.org pipe(/bin/domain)" },
        { "postmaster@example.org", "postmaster@example.org pipe(/bin/domain)" },
        // 4. passwd users at the hostname and localhost, before @
        { "alice@mx.example.net", "alice@mx.example.net maildir(/home/alice/Maildir/)" },
        { "alice@localhost", "alice@localhost maildir(/home/alice/Maildir/)" },
        { "root@localhost", "root@localhost maildir(/root/Maildir/)" },
        // ...but not at other local domains
        { "alice@example.com", "alice@example.com pipe(/bin/alice)" },
        { "root@example.com", "NoRoute" },
        // 5. @ for foreign domains only: an unknown user at a local domain has no route (550 5.1.1)
        { "nobody@mx.example.net", "NoRoute" },
        { "nobody@example.com", "NoRoute" },
        { "someone@elsewhere.example", "someone@elsewhere.example relay(smarthost.example.net:25)" },
    };

    [Theory, MemberData(nameof(PrecedenceRows))]
    public void TriesTheStepsInOrder(string address, string expected) => Assert.Equal(expected, Resolve(Precedence, address));

    public static TheoryData<string, string> CaseRows => new()
    {
        { "JOE@EXAMPLE.ORG", "JOE@example.org pipe(/bin/exact)" },
        { "Joe@Example.Com", "Joe@example.com pipe(/bin/local-part)" },
        { "Jane@Example.Org", "Jane@example.org pipe(/bin/domain)" },
        { "INFO@example.org", "INFO@example.org pipe(/bin/info)" },
        { "joe@MX.Example.NET", "joe@mx.example.net pipe(/bin/local-part)" },
        // passwd: as written first ("Bob" exists), then lower-cased ("alice" exists)
        { "Bob@localhost", "Bob@localhost maildir(/home/Bob/Maildir/)" },
        { "ALICE@LOCALHOST", "ALICE@localhost maildir(/home/alice/Maildir/)" },
        { "bob@localhost", "NoRoute" },
    };

    [Theory, MemberData(nameof(CaseRows))]
    public void ComparesCaseInsensitively(string address, string expected) => Assert.Equal(expected, Resolve(Precedence, address));

    static readonly RouteResolver Extensions = Resolver(Table(
        R(1, "joe@example.org", Pipe("/bin/joe")),
        R(2, "joe+special@example.org", Pipe("/bin/special")),
        R(3, "list@", Pipe("/bin/list")),
        R(4, "@example.net", Pipe("/bin/example.net")),
        R(5, "bob@example.org", To("robert@example.net")),
        R(6, "robert@example.net", Mx)));

    public static TheoryData<string, string> ExtensionRows => new()
    {
        { "joe+foo@example.org", "joe+foo@example.org pipe(/bin/joe) +foo" },
        { "Joe+Foo@example.org", "Joe+Foo@example.org pipe(/bin/joe) +Foo" },
        { "joe+special@example.org", "joe+special@example.org pipe(/bin/special)" },
        { "joe+a+b@example.org", "joe+a+b@example.org pipe(/bin/joe) +a+b" },
        { "joe+@example.org", "joe+@example.org pipe(/bin/joe) +" },
        // the base is tried at each step before the next step: L@ with the base beats @D
        { "list+x@example.net", "list+x@example.net pipe(/bin/list) +x" },
        { "other+x@example.net", "other+x@example.net pipe(/bin/example.net)" },
        // passwd step with the base
        { "alice+x@mx.example.net", "alice+x@mx.example.net maildir(/home/alice/Maildir/) +x" },
        { "ALICE+X@localhost", "ALICE+X@localhost maildir(/home/alice/Maildir/) +X" },
        // the extension survives a rewrite
        { "bob+news@example.org", "robert@example.net relay +news" },
        // no base
        { "+foo@example.org", "NoRoute" },
        { "joe+foo@elsewhere.example", "NoRoute" },
    };

    [Theory, MemberData(nameof(ExtensionRows))]
    public void TriesTheBaseOfAnExtensionAtEachStep(string address, string expected) =>
        Assert.Equal(expected, Resolve(Extensions, address));

    static readonly RouteResolver NoDefault = Resolver(Table(
        R(1, "joe@example.org", User("joe")),
        R(2, "@example.com", Mx),
        R(3, "abuse@", Pipe("/bin/abuse"))));

    public static TheoryData<string, string> PostmasterRows => new()
    {
        { "postmaster@example.org", "postmaster@example.org maildir(/root/Maildir/)" },
        { "PostMaster@example.org", "PostMaster@example.org maildir(/root/Maildir/)" },
        { "postmaster@mx.example.net", "postmaster@mx.example.net maildir(/root/Maildir/)" },
        { "postmaster@localhost", "postmaster@localhost maildir(/root/Maildir/)" },
        { "postmaster+bounces@example.org", "postmaster+bounces@example.org maildir(/root/Maildir/) +bounces" },
        // the table wins when it routes postmaster
        { "postmaster@example.com", "postmaster@example.com relay" },
        // only at local domains
        { "postmaster@elsewhere.example", "NoRoute" },
        { "nobody@example.org", "NoRoute" },
        { "abuse@elsewhere.example", "NoRoute" },
    };

    [Theory, MemberData(nameof(PostmasterRows))]
    public void SendsUnroutedPostmasterToRoot(string address, string expected) => Assert.Equal(expected, Resolve(NoDefault, address));

    // Rewrites, domain aliases, lists, depth and loops.
    static readonly RouteResolver Chains = Resolver(Table(
        [
            R(1, "a@loop.example", To("b@loop.example")),
            R(2, "b@loop.example", To("a@loop.example")),
            R(3, "c@loop.example", To("a@loop.example")),
            R(4, "self@loop.example", To("SELF@loop.example")),
            R(5, "@d1.example", Alias("d2.example")),
            R(6, "@d2.example", Alias("d1.example")),
            R(7, "@old.example", Alias("new.example")),
            R(8, "@new.example", Relay("10.0.0.1:587")),
            R(9, "team@example.org", To("joe@example.org"), User("alice"), To("x@old.example")),
            R(10, "joe@example.org", User("joe")),
            R(11, "half@example.org", To("joe@example.org"), To("nobody@nowhere.example")),
            R(12, "loopy@example.org", User("joe"), To("a@loop.example")),
            R(13, "ghosts@example.org", User("joe"), User("ghost")),
            R(14, "dup@example.org", User("joe"), To("joe@example.org"), User("joe"), User("alice")),
            R(15, "via@example.org", To("team@example.org"), To("dup@example.org")),
            R(16, "mixed@example.org", To("mixed@d1.example")),
            .. Chain("n", 20, "deep.example"),
            .. Chain("m", 21, "deep.example"),
        ]));

    /// <summary><c>p0@D -> p1@D -> ... -> pN@D</c> (N rewrites), then <c>pN@D relay</c>; from line 100 on.</summary>
    static IEnumerable<Route> Chain(string prefix, int rewrites, string domain)
    {
        int line = prefix == "n" ? 100 : 200;
        for (int i = 0; i < rewrites; i++)
            yield return R(line + i, $"{prefix}{i}@{domain}", To($"{prefix}{i + 1}@{domain}"));
        yield return R(line + rewrites, $"{prefix}{rewrites}@{domain}", Mx);
    }

    public static TheoryData<string, string> ChainRows => new()
    {
        { "x@old.example", "x@new.example relay(10.0.0.1:587)" },
        { "team@example.org", "joe@example.org maildir(/home/joe/Maildir/); team@example.org maildir(/home/alice/Maildir/); x@new.example relay(10.0.0.1:587)" },
        // identical final targets (same recipient, same mailer) once
        { "dup@example.org", "dup@example.org maildir(/home/joe/Maildir/); joe@example.org maildir(/home/joe/Maildir/); dup@example.org maildir(/home/alice/Maildir/)" },
        { "via@example.org", "joe@example.org maildir(/home/joe/Maildir/); team@example.org maildir(/home/alice/Maildir/); x@new.example relay(10.0.0.1:587); dup@example.org maildir(/home/joe/Maildir/); dup@example.org maildir(/home/alice/Maildir/)" },
        // a list fails as a whole, with the failing target's reason
        { "half@example.org", "NoRoute" },
        { "loopy@example.org", "Loop" },
        { "ghosts@example.org", "NoSuchUser" },
        // loops
        { "a@loop.example", "Loop" },
        { "c@loop.example", "Loop" },
        { "self@loop.example", "Loop" },
        { "x@d1.example", "Loop" },
        { "mixed@example.org", "Loop" },
        // 20 rewrites are fine, 21 are too many
        { "n0@deep.example", "n20@deep.example relay" },
        { "m0@deep.example", "TooDeep" },
        { "m1@deep.example", "m21@deep.example relay" },
    };

    [Theory, MemberData(nameof(ChainRows))]
    public void FollowsRewritesAndAliases(string address, string expected) => Assert.Equal(expected, Resolve(Chains, address));

    public static TheoryData<string, string> FailureMessageRows => new()
    {
        { "nobody@example.org", "NoRoute at nobody@example.org: no route for \"nobody@example.org\"" },
        { "half@example.org", "NoRoute at nobody@nowhere.example: no route for \"nobody@nowhere.example\"" },
        { "ghosts@example.org", "NoSuchUser at ghosts@example.org: no such local user \"ghost\"" },
        { "a@loop.example", "Loop at a@loop.example: routing loop: a@loop.example -> b@loop.example -> a@loop.example" },
        { "c@loop.example", "Loop at a@loop.example: routing loop: a@loop.example -> b@loop.example -> a@loop.example" },
        { "self@loop.example", "Loop at SELF@loop.example: routing loop: self@loop.example -> SELF@loop.example" },
        { "mixed@example.org", "Loop at mixed@d1.example: routing loop: mixed@d1.example -> mixed@d2.example -> mixed@d1.example" },
        { "m0@deep.example", "TooDeep at m21@deep.example: rewrite chain longer than 20: " + string.Join(" -> ", Enumerable.Range(0, 22).Select(i => $"m{i}@deep.example")) },
    };

    [Theory, MemberData(nameof(FailureMessageRows))]
    public void SaysWhyAndWhereAResolutionFailed(string address, string expected)
    {
        ResolutionFailure failure = Assert.IsType<ResolutionFailure>(Chains.Resolve(Mailbox.Parse(address)).Failure);
        Assert.Equal(expected, $"{failure.Kind} at {failure.Address}: {failure.Message}");
    }

    public static TheoryData<string, string> ChainDescriptionRows => new()
    {
        { "x@old.example", "test.cf:7: @old.example -> @new.example | test.cf:8: @new.example -> relay(10.0.0.1:587)" },
        { "alice@localhost", "built-in: passwd user alice" },
        { "postmaster@example.org", "built-in: postmaster@ -> root (RFC 5321 §4.5.1)" },
        { "team@example.org", "test.cf:9: team@example.org -> joe@example.org, alice, x@old.example | test.cf:10: joe@example.org -> joe" },
        { "n0@deep.example", string.Join(" | ", Enumerable.Range(0, 21).Select(i => i < 20 ? $"test.cf:{100 + i}: n{i}@deep.example -> n{i + 1}@deep.example" : "test.cf:120: n20@deep.example -> relay")) },
    };

    [Theory, MemberData(nameof(ChainDescriptionRows))]
    public void KeepsTheRulesUsedForTheFirstTarget(string address, string expected)
    {
        Resolution resolution = Chains.Resolve(Mailbox.Parse(address));
        Assert.Equal(expected, string.Join(" | ", resolution.Targets[0].Chain));
    }

    [Fact]
    public void KeepsTheRulesAppliedBeforeAFailure()
    {
        ResolutionFailure failure = Chains.Resolve(Mailbox.Parse("c@loop.example")).Failure!;
        Assert.Equal(
            ["test.cf:3: c@loop.example -> a@loop.example", "test.cf:1: a@loop.example -> b@loop.example", "test.cf:2: b@loop.example -> a@loop.example"],
            failure.Chain.Select(s => s.ToString()));
        Assert.Equal(["c@loop.example", "a@loop.example", "b@loop.example"], failure.Chain.Select(s => s.Address.ToString()));
    }

    [Fact]
    public void FillsInTheUserOfALocalTarget()
    {
        FinalTarget[] targets = [.. Chains.Resolve(Mailbox.Parse("team@example.org")).Targets];
        Assert.Equal(("joe", "joe"), (targets[0].User?.Name, targets[0].LocalUser));
        Assert.Equal(("alice", "alice"), (targets[1].User?.Name, targets[1].LocalUser));
        Assert.Equal((null, null), (targets[2].User?.Name, targets[2].LocalUser));
    }

    public static TheoryData<string, bool> TrustRows => new()
    {
        { "someone@elsewhere.example", true },       // foreign, accepted only through @
        { "joe@elsewhere.example", true },
        { "Someone@Elsewhere.Example", true },
        { "joe@example.org", false },
        { "jane@example.org", false },               // @D
        { "alice@example.com", false },              // a domain named only in an exact key is local too
        { "alice@mx.example.net", false },
        { "x@LOCALHOST", false },
        { "nobody@mx.example.net", false },          // local, even though @ routes it
    };

    [Theory, MemberData(nameof(TrustRows))]
    public void NeedsATrustedClientOnlyForForeignDomains(string address, bool expected) =>
        Assert.Equal(expected, Precedence.Resolve(Mailbox.Parse(address)).NeedsTrustedClient);

    [Theory]
    [InlineData("x@old.example", false)]             // local domain aliased to another local domain
    [InlineData("bob@example.org", false)]           // local domain rewritten to a foreign one
    [InlineData("robert@example.net", false)]        // example.net is named in a key
    [InlineData("nobody@nowhere.example", true)]     // foreign, through @
    public void DecidesTrustByTheOriginalAddress(string address, bool expected)
    {
        RouteResolver resolver = Resolver(Table(
            R(1, "@old.example", Alias("new.example")),
            R(2, "@new.example", Mx),
            R(3, "bob@example.org", To("bob@foreign.example")),
            R(4, "robert@example.net", Mx),
            R(5, "@", Mx)));
        Assert.Equal(expected, resolver.Resolve(Mailbox.Parse(address)).NeedsTrustedClient);
    }

    [Fact]
    public void ListsTheLocalDomains()
    {
        Assert.Equal(["example.com", "example.org", "localhost", "mx.example.net"], Precedence.LocalDomains.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("example.org", true)]
    [InlineData("EXAMPLE.ORG", true)]
    [InlineData("example.org.", true)]
    [InlineData("Localhost", true)]
    [InlineData("MX.example.net", true)]
    [InlineData("example.com", true)]
    [InlineData("example.net", false)]
    [InlineData("sub.example.org", false)]
    [InlineData("", false)]
    public void KnowsItsLocalDomains(string domain, bool expected) => Assert.Equal(expected, Precedence.IsLocalDomain(domain));

    [Fact]
    public void ComparesInternationalDomainsInTheirAsciiForm()
    {
        RouteResolver resolver = Resolver(Table(R(1, "@xn--bcher-kva.example", Mx)));
        Assert.True(resolver.IsLocalDomain("bücher.example"));
        Assert.Equal("info@xn--bcher-kva.example relay", Resolve(resolver, "info@Bücher.EXAMPLE"));
    }
}
