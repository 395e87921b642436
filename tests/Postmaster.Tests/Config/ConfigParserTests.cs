using Postmaster.Config;
using Xunit;
using static Postmaster.Tests.Config.ConfigFixtures;

namespace Postmaster.Tests.Config;

/// <summary>Whole files: every problem in one run, and the example of the original design note.</summary>
public sealed class ConfigParserTests
{
    [Fact]
    public void KeepsGoingAfterAnError()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(
            "joe@example.org   rely(mx.example.org)\n" +
            "ok@example.org    joe\n" +
            "max-recipients    10\n" +
            "lsiten            0.0.0.0:25\n" +
            "a@example.org     relay(mx.example.org:99999),\n" +
            "                  pipe()\n" +
            "spf               reject\n" +
            "  x\n" +
            "b@example.org\n" +
            "queue-lifetime    1d\n" +
            "@example.net      @example.org\n", errors);

        Assert.Equal(
        [
            "test.cf:1:19: unknown mailer \"rely\"; did you mean \"relay\"?",
            "test.cf:3:19: max-recipients must be at least 100 (RFC 5321 §4.5.3.1.8)",
            "test.cf:4:1: unknown setting \"lsiten\"; did you mean \"listen\"?",
            "test.cf:5:25: relay: bad port \"99999\" (1-65535)",
            "test.cf:6:19: pipe: empty command",
            "test.cf:7:19: spf: expected off, tag or reject, not \"reject x\"",
            "test.cf:9:1: missing target",
            "test.cf:10:19: warning: queue-lifetime: 1d is shorter than the 4-5 days of RFC 5321 §4.5.4.1",
        ], errors.Select(e => e.ToString()));
        Assert.Equal(["ok@example.org -> joe", "@example.net -> @example.org"], Routes(config));
        Assert.Equal(1000, config.Settings.MaxRecipients);
    }

    // Both excerpts of shared/seed/postmaster-design-spec.txt, in one file, exactly as written there.
    const string SeedExample = Routing.SeedExampleTests.SeedText;

    [Fact]
    public void ParsesTheSeedExample()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(SeedExample, errors);

        Assert.Empty(errors);
        Assert.Equal(
        [
            "joe.doe@example.org -> joe",
            "joe.dow@example.org -> jane.dow@example.org",
            "dow.joe@example.org -> joe@example.net, joe@example.com",
            "@example.com -> @example.net",
            "joe@example.com -> joe.doe@example.com",
            "info@ -> propaganda@example.net",
            "@acme.example.com -> relay(10.0.0.1:587)",
            "@ -> relay(isp.example.net:25, 10.33.0.1:25)",
            "abuse@acme.example.com -> pipe(/usr/bin/cat >/dev/null)",
        ], Routes(config));
        Assert.Equal([2, 5, 8, 11, 14, 17, 20, 23, 26], config.Routes.Routes.Select(r => r.Where.Line));
        Assert.Equal(DefaultHostname, config.Settings.Hostname);
    }

    [Fact]
    public void ParsesThePackagedExample()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "packaging", "postmaster.cf");
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(File.ReadAllBytes(path), errors);

        Assert.Empty(errors);
        Assert.NotEmpty(config.Routes.Routes);
    }

    [Fact]
    public void SortsProblemsByLineAndColumn()
    {
        // The reader finds encoding problems before the entries are parsed; the list still reads top to bottom.
        Assert.Equal(["test.cf:1:1: missing target", "test.cf:2:3: invalid UTF-8", "test.cf:3:1: unknown setting \"x\""],
            ProblemsOfBytes("a@x\nb@\xff\nx y"));
    }

    static string[] ProblemsOfBytes(string latin1)
    {
        var errors = new List<ConfigError>();
        Parse(System.Text.Encoding.Latin1.GetBytes(latin1), errors);
        return [.. errors.Select(e => e.ToString())];
    }
}
