using Postmaster.Config;
using Postmaster.Routing;
using Xunit;
using static Postmaster.Tests.Config.ConfigFixtures;

namespace Postmaster.Tests.Config;

/// <summary>Route entries: keys and every target form. Valid rows assert the route's canonical text, invalid
/// rows the whole <c>file:line:column: message</c>.</summary>
public sealed class RouteParsingTests
{
    public static TheoryData<string, string> Valid => new()
    {
        // keys, case-folded
        { "Joe@Example.ORG joe", "joe@example.org -> joe" },
        { "info@ joe", "info@ -> joe" },
        { "@Example.com joe", "@example.com -> joe" },
        { "@ relay", "@ -> relay" },
        { "\"a@b\"@x.example joe", "\"a@b\"@x.example -> joe" },
        { "a@[192.0.2.1] joe", "a@[192.0.2.1] -> joe" },
        { "a+b@x.example joe", "a+b@x.example -> joe" },
        // local users
        { "a@x.example joe", "a@x.example -> joe" },
        { "a@x.example _svc.user-1", "a@x.example -> _svc.user-1" },
        { "a@x.example samba$", "a@x.example -> samba$" },
        { "a@x.example pipe", "a@x.example -> pipe" },
        // rewrites and domain aliases
        { "a@x.example Jane@Example.ORG", "a@x.example -> Jane@example.org" },
        { "a@x.example @Example.NET", "a@x.example -> @example.net" },
        // relay
        { "a@x.example relay", "a@x.example -> relay" },
        { "a@x.example relay(mx.example.net)", "a@x.example -> relay(mx.example.net:25)" },
        { "a@x.example relay( MX.example.net:2525 )", "a@x.example -> relay(mx.example.net:2525)" },
        { "a@x.example relay(h1.example, h2.example:587, [2001:DB8::1]:25, 192.0.2.1)",
            "a@x.example -> relay(h1.example:25, h2.example:587, [2001:db8::1]:25, 192.0.2.1:25)" },
        { "a@x.example relay([::1]:2525)", "a@x.example -> relay([::1]:2525)" },
        { "a@x.example relay([::1])", "a@x.example -> relay([::1]:25)" },
        { "a@x.example relay (mx.example)", "a@x.example -> relay(mx.example:25)" },
        // relay options, printed after the hosts and only when they differ from the defaults
        { "a@x.example relay(smtp.example.net:587, tls=verify)", "a@x.example -> relay(smtp.example.net:587, tls=verify)" },
        { "a@x.example relay(tls=require)", "a@x.example -> relay(tls=require)" },
        { "a@x.example relay( tls = none , h1.example )", "a@x.example -> relay(h1.example:25, tls=none)" },
        { "a@x.example relay(h1.example, auth=allow-cleartext, tls=opportunistic)", "a@x.example -> relay(h1.example:25, auth=allow-cleartext)" },
        { "a@x.example relay(h1.example, tls=opportunistic, auth=tls-only)", "a@x.example -> relay(h1.example:25)" },
        { "a@x.example relay(auth=allow-cleartext, tls=verify, [::1]:2525)", "a@x.example -> relay([::1]:2525, tls=verify, auth=allow-cleartext)" },
        // pipe: no quoting, commas and balanced parentheses belong to the command
        { "a@x.example pipe(/bin/sh -c \"a, (b)\")", "a@x.example -> pipe(/bin/sh -c \"a, (b)\")" },
        { "a@x.example pipe( /usr/bin/logger -t a,b )", "a@x.example -> pipe(/usr/bin/logger -t a,b)" },
        { "a@x.example pipe(/usr/bin/cat >/dev/null)", "a@x.example -> pipe(/usr/bin/cat >/dev/null)" },
        // maildir and mbox
        { "a@x.example maildir(/var/vmail/$USER/)", "a@x.example -> maildir(/var/vmail/$USER/)" },
        { "a@x.example maildir(/var/mail/$USER/)", "a@x.example -> maildir(/var/mail/$USER/)" },
        { "a@x.example mbox(/var/mail/a)", "a@x.example -> mbox(/var/mail/a)" },
        { "a@x.example mbox(/var/mail/$USER)", "a@x.example -> mbox(/var/mail/$USER)" },
        // lists
        { "a@x.example joe, jane@x.example, @y.example, relay, pipe(a, b), mbox(/m)",
            "a@x.example -> joe, jane@x.example, @y.example, relay, pipe(a, b), mbox(/m)" },
        { "a@x.example joe,bob", "a@x.example -> joe, bob" },
    };

    [Theory, MemberData(nameof(Valid))]
    public void ParsesValidRoute(string line, string expected)
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(line, errors);

        Assert.Empty(errors);
        Assert.Equal(expected, Assert.Single(config.Routes.Routes).ToString());
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "a@x.example", "test.cf:1:1: missing target" },
        { "a@x.example   // nothing", "test.cf:1:1: missing target" },
        { "a..b@x.example joe", "test.cf:1:1: bad route key \"a..b@x.example\": bad dots in local part \"a..b\"" },
        { "a@x..example joe", "test.cf:1:1: bad route key \"a@x..example\": empty label in domain \"x..example\"" },
        { "a,b@x.example joe", "test.cf:1:1: bad route key \"a,b@x.example\": character ',' not allowed in local part" },
        { "a@[1.2.3] joe", "test.cf:1:1: bad route key \"a@[1.2.3]\": bad address literal \"[1.2.3]\"" },
        { "a@x.example rely(mx)", "test.cf:1:13: unknown mailer \"rely\"; did you mean \"relay\"?" },
        { "a@x.example Relay(mx)", "test.cf:1:13: unknown mailer \"Relay\"; did you mean \"relay\"?" },
        { "a@x.example frobnicate(x)", "test.cf:1:13: unknown mailer \"frobnicate\"" },
        { "a@x.example relay()", "test.cf:1:13: relay(): no hosts; write \"relay\" for MX delivery" },
        { "a@x.example relay(  )", "test.cf:1:13: relay(): no hosts; write \"relay\" for MX delivery" },
        { "a@x.example relay(mx:99999)", "test.cf:1:19: relay: bad port \"99999\" (1-65535)" },
        { "a@x.example relay(mx:0)", "test.cf:1:19: relay: bad port \"0\" (1-65535)" },
        { "a@x.example relay(mx:)", "test.cf:1:19: relay: bad port \"\" (1-65535)" },
        { "a@x.example relay(mx:smtp)", "test.cf:1:19: relay: bad port \"smtp\" (1-65535)" },
        { "a@x.example relay(2001:db8::1)", "test.cf:1:19: relay: IPv6 address \"2001:db8::1\" must be in brackets: [address]:port" },
        { "a@x.example relay([2001:db8::1)", "test.cf:1:19: relay: missing \"]\" in \"[2001:db8::1\"" },
        { "a@x.example relay([192.0.2.1])", "test.cf:1:19: relay: not an IPv6 address: \"192.0.2.1\"" },
        { "a@x.example relay([::1]25)", "test.cf:1:19: relay: unexpected text after \"]\" in \"[::1]25\"" },
        { "a@x.example relay(10.0.0.256)", "test.cf:1:19: relay: bad IPv4 address \"10.0.0.256\"" },
        { "a@x.example relay(mx.example, :25)", "test.cf:1:31: relay: empty host" },
        { "a@x.example relay(a.example, , b.example)", "test.cf:1:30: relay: empty host" },
        { "a@x.example relay(a.example,)", "test.cf:1:28: relay: empty host" },
        { "a@x.example relay(mx!.example)", "test.cf:1:19: relay: character '!' not allowed in domain \"mx!.example\"" },
        { "a@x.example relay(a b)", "test.cf:1:19: relay: character ' ' not allowed in domain \"a b\"" },
        { "a@x.example relay(mx, tsl=verify)", "test.cf:1:23: relay: unknown option \"tsl\"; did you mean \"tls\"?; options are tls= and auth=" },
        { "a@x.example relay(mx, tls=verfy)", "test.cf:1:27: relay: tls must be opportunistic, require, verify or none, not \"verfy\"; did you mean \"verify\"?" },
        { "a@x.example relay(mx, tls=)", "test.cf:1:23: relay: tls= needs a value: opportunistic, require, verify or none" },
        { "a@x.example relay(mx, tls=verify, tls=none)", "test.cf:1:35: relay: option tls given twice" },
        { "a@x.example relay(mx, auth=plain)", "test.cf:1:28: relay: auth must be tls-only or allow-cleartext, not \"plain\"" },
        { "a@x.example relay(mx, =verify)", "test.cf:1:23: relay: option \"=verify\" has no name; options are tls= and auth=" },
        { "a@x.example relay(tls=verify,)", "test.cf:1:29: relay: empty host" },
        { "a@x.example pipe()", "test.cf:1:13: pipe: empty command" },
        { "a@x.example pipe(   )", "test.cf:1:13: pipe: empty command" },
        { "a@x.example maildir()", "test.cf:1:13: maildir: empty path" },
        { "a@x.example maildir(Maildir/)", "test.cf:1:21: maildir: path must be absolute or start with ~/" },
        { "a@x.example mbox(~joe/mbox)", "test.cf:1:18: mbox: path must be absolute or start with ~/" },
        // ~ is the home of the local user being delivered to: only local-mailer has one
        { "a@x.example maildir(~/Maildir/)", "test.cf:1:13: maildir: ~ is only known in local-mailer; write an absolute path" },
        { "a@x.example pipe(x), mbox(~)", "test.cf:1:22: mbox: ~ is only known in local-mailer; write an absolute path" },
        { "a@x.example mbox()", "test.cf:1:13: mbox: empty path" },
        { "a@x.example pipe(cat", "test.cf:1:17: missing \")\"" },
        { "a@x.example pipe(cat (x)", "test.cf:1:17: missing \")\"" },
        { "a@x.example cat)", "test.cf:1:16: unexpected \")\"" },
        { "a@x.example joe, pipe(cat))", "test.cf:1:27: unexpected text after \")\"" },
        { "a@x.example pipe(cat) x", "test.cf:1:23: unexpected text after \")\"" },
        { "a@x.example (cat)", "test.cf:1:13: bad target \"(cat)\"" },
        { "a@x.example a.b(cat)", "test.cf:1:13: bad target \"a.b(cat)\"" },
        { "a@x.example joe bob", "test.cf:1:13: bad target \"joe bob\"" },
        { "a@x.example -joe", "test.cf:1:13: bad target \"-joe\"" },
        { "a@x.example abcdefghijklmnopqrstuvwxyz0123456", "test.cf:1:13: bad target \"abcdefghijklmnopqrstuvwxyz0123456\"" },
        { "a@x.example joe, , bob", "test.cf:1:18: empty target" },
        { "a@x.example , joe", "test.cf:1:13: empty target" },
        { "a@x.example joe,", "test.cf:1:16: empty target" },
        { "a@x.example @", "test.cf:1:13: bad domain alias \"@\": empty domain" },
        { "a@x.example @y..example", "test.cf:1:13: bad domain alias \"@y..example\": empty label in domain \"y..example\"" },
        { "a@x.example jane@", "test.cf:1:13: bad address \"jane@\": empty domain" },
        { "a@x.example a..b@y.example", "test.cf:1:13: bad address \"a..b@y.example\": bad dots in local part \"a..b\"" },
    };

    [Theory, MemberData(nameof(Invalid))]
    public void ReportsInvalidRouteWithLocation(string line, string expected)
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(line, errors);

        Assert.Equal(expected, Assert.Single(errors).ToString());
        Assert.Empty(config.Routes.Routes);
    }

    [Fact]
    public void ReportsEveryBadTargetOfAList()
    {
        Assert.Equal(["test.cf:1:13: unknown mailer \"rely\"; did you mean \"relay\"?", "test.cf:1:22: pipe: empty command",
            "test.cf:1:30: bad target \"a b\""], Problems("a@x.example rely(x), pipe(), a b"));
    }

    [Fact]
    public void ReportsABadKeyAndItsBadTargetsTogether()
    {
        Assert.Equal(["test.cf:1:1: bad route key \"a..b@x\": bad dots in local part \"a..b\"", "test.cf:1:8: pipe: empty command"],
            Problems("a..b@x pipe()"));
    }

    [Fact]
    public void ReportsADuplicateKeyAndKeepsTheFirst()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse("a@x.example joe\n@y.example relay\nA@X.Example bob\n@Y.example  relay(mx.example)", errors);

        Assert.Equal(["test.cf:3:1: duplicate route for \"a@x.example\" (first at line 1)",
            "test.cf:4:1: duplicate route for \"@y.example\" (first at line 2)"], errors.Select(e => e.ToString()));
        Assert.Equal(["a@x.example -> joe", "@y.example -> relay"], Routes(config));
    }

    [Fact]
    public void StoresTheTargetsAsTypedValues()
    {
        var errors = new List<ConfigError>();
        Route route = Assert.Single(Parse("a@x.example joe, b@y.example, @z.example, relay(mx:587), pipe(x), maildir(/M/), mbox(/m)", errors).Routes.Routes);

        Assert.Empty(errors);
        Assert.Collection(route.Targets,
            t => Assert.Equal("joe", Assert.IsType<Target.LocalUser>(t).User),
            t => Assert.Equal("b@y.example", Assert.IsType<Target.Rewrite>(t).Address.ToString()),
            t => Assert.Equal("z.example", Assert.IsType<Target.DomainAlias>(t).Domain),
            t => Assert.Equal(new RelayHost("mx", 587), Assert.Single(Assert.IsType<Target.Relay>(t).Hosts)),
            t => Assert.Equal("x", Assert.IsType<Target.Pipe>(t).Command),
            t => Assert.Equal("/M/", Assert.IsType<Target.Maildir>(t).Path),
            t => Assert.Equal("/m", Assert.IsType<Target.Mbox>(t).Path));
        Assert.True(Assert.IsType<Target.Relay>(Parse("a@x relay", errors).Routes.Routes[0].Targets[0]).UsesMx);
    }

    [Fact]
    public void StoresRelayOptionsAndTellsTargetsApartByThem()
    {
        var errors = new List<ConfigError>();
        Route route = Assert.Single(Parse("a@x.example relay(mx:587, tls=verify, auth=allow-cleartext), relay(tls=require)", errors).Routes.Routes);

        Assert.Empty(errors);
        var smart = Assert.IsType<Target.Relay>(route.Targets[0]);
        Assert.Equal(new RelayOptions(RelayTls.Verify, AllowCleartextAuth: true), smart.Options);
        var mx = Assert.IsType<Target.Relay>(route.Targets[1]);
        Assert.True(mx.UsesMx);
        Assert.Equal(RelayTls.Require, mx.Options.Tls);
        Assert.NotEqual(new Target.Relay([new RelayHost("mx", 587)]), smart with { Where = default });
        Assert.Equal(new Target.Relay([new RelayHost("mx", 587)], new RelayOptions(RelayTls.Verify, true)), smart with { Where = default });
    }

    [Theory]
    [InlineData("relay(mx.example:587, tls=verify, auth=allow-cleartext)")]
    [InlineData("relay(tls=none)")]
    [InlineData("relay")]
    public void ReadsTheCanonicalTextBackAsTheSameTarget(string text)
    {
        Assert.True(TargetText.TryParse(text, out Target? target, out string? problem), problem);
        Assert.Equal(text, target.ToString());
        Assert.True(TargetText.TryParse(target.ToString(), out Target? again, out _));
        Assert.Equal(target with { Where = default }, again with { Where = default });
    }
}
