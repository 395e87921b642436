using System.Text;
using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Routing;
using Xunit;
using static Postmaster.Tests.Routing.RoutingFixtures;

namespace Postmaster.Tests.Routing;

/// <summary>The example configuration of the seed (postmaster-design-spec.txt), resolved line by line:
/// once from a table built from values, once parsed from its text.</summary>
public sealed class SeedExampleTests
{
    public const string SeedText = """
        // deliver to local mailbox using the default local mailer
        joe.doe@example.org         joe

        // rewrite recipient address
        joe.dow@example.org         jane.dow@example.org

        // if any target address fails, the entire RCPT TO fails
        dow.joe@example.org         joe@example.net, joe@example.com

        // define domain name aliases
        @example.com                @example.net

        // exact matches take precedence over the default match above
        joe@example.com             joe.doe@example.com

        // do what sendmail does for members of /etc/passwd
        info@                       propaganda@example.net

        // configure relaying
        @acme.example.com           relay(10.0.0.1:587)

        // configure several smart hosts (in order of preference)
        @                           relay(isp.example.net, 10.33.0.1)

        // we don't need no "..."-quoting of the argument
        abuse@acme.example.com      pipe(/usr/bin/cat >/dev/null)

        """;

    static readonly RouteTable SeedTable = Table(
        R(2, "joe.doe@example.org", User("joe")),
        R(5, "joe.dow@example.org", To("jane.dow@example.org")),
        R(8, "dow.joe@example.org", To("joe@example.net"), To("joe@example.com")),
        R(11, "@example.com", Alias("example.net")),
        R(14, "joe@example.com", To("joe.doe@example.com")),
        R(17, "info@", To("propaganda@example.net")),
        R(20, "@acme.example.com", Relay("10.0.0.1:587")),
        R(23, "@", Relay("isp.example.net", "10.33.0.1")),
        R(26, "abuse@acme.example.com", Pipe("/usr/bin/cat >/dev/null")));

    const string Isp = "relay(isp.example.net:25, 10.33.0.1:25)";

    /// <summary>Address, resolution, whether only a trusted client may use it.</summary>
    public static TheoryData<string, string, bool> Rows => new()
    {
        { "joe.doe@example.org", "joe.doe@example.org maildir(/home/joe/Maildir/)", false },
        { "joe.dow@example.org", "NoRoute", false },                          // jane.dow has no route of her own
        { "dow.joe@example.org", $"joe@example.net {Isp}; joe.doe@example.net {Isp}", false },
        { "anyone@example.com", $"anyone@example.net {Isp}", false },
        { "joe@example.com", $"joe.doe@example.net {Isp}", false },
        { "Joe@Example.COM", $"joe.doe@example.net {Isp}", false },
        { "joe+list@example.com", $"joe.doe@example.net {Isp} +list", false },
        { "info@example.org", $"propaganda@example.net {Isp}", false },
        { "info@example.com", $"propaganda@example.net {Isp}", false },          // L@ before @D
        { "info@acme.example.com", $"propaganda@example.net {Isp}", false },
        { "info@example.net", $"info@example.net {Isp}", true },                  // not local: @
        { "sales@acme.example.com", "sales@acme.example.com relay(10.0.0.1:587)", false },
        { "abuse@acme.example.com", "abuse@acme.example.com pipe(/usr/bin/cat >/dev/null)", false },
        { "joe@mx.example.net", "joe@mx.example.net maildir(/home/joe/Maildir/)", false },
        { "postmaster@example.org", "postmaster@example.org maildir(/root/Maildir/)", false },  // built-in: root
        { "stranger@elsewhere.example", $"stranger@elsewhere.example {Isp}", true },
    };

    /// <summary>The rules behind joe@example.com, as check-config shows them.</summary>
    static readonly string[] JoeAtExampleComChain =
    [
        "seed.cf:14: joe@example.com -> joe.doe@example.com",
        "seed.cf:11: @example.com -> @example.net",
        $"seed.cf:23: @ -> {Isp}",
    ];

    [Theory, MemberData(nameof(Rows))]
    public void ResolvesEveryLineOfTheSeedTable(string address, string expected, bool needsTrustedClient)
    {
        Resolution resolution = Resolver(SeedTable).Resolve(Mailbox.Parse(address));
        Assert.Equal((expected, needsTrustedClient), (Render(resolution), resolution.NeedsTrustedClient));
    }

    [Theory, MemberData(nameof(Rows))]
    public void ResolvesEveryLineOfTheParsedSeed(string address, string expected, bool needsTrustedClient)
    {
        RouteResolver resolver = ParsedSeed();
        Resolution resolution = resolver.Resolve(Mailbox.Parse(address));
        Assert.Equal((expected, needsTrustedClient), (Render(resolution), resolution.NeedsTrustedClient));
    }

    [Fact]
    public void ShowsWhereEachRuleOfTheParsedSeedIs()
    {
        Resolution resolution = ParsedSeed().Resolve(Mailbox.Parse("joe@example.com"));
        Assert.Equal(JoeAtExampleComChain, resolution.Targets.Single().Chain.Select(s => s.ToString()));
    }

    [Fact]
    public void FindsNoLoopInTheParsedSeed() => Assert.Empty(ParsedSeed().FindLoops());

    static RouteResolver ParsedSeed()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = ConfigParser.Parse(Encoding.UTF8.GetBytes(SeedText), "seed.cf", Users, () => Hostname, errors);
        Assert.Empty(errors.Select(e => e.ToString()));
        Assert.Equal(Hostname, config.Settings.Hostname);
        return new RouteResolver(config.Routes, config.Settings.Hostname, config.Settings.LocalMailer, Users);
    }
}
