using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Postmaster.Config;
using static Postmaster.Tests.Config.ConfigFixtures;

namespace Postmaster.Tests.Config;

/// <summary>The parser never throws, whatever the bytes, and every error it reports has a real location.</summary>
public sealed class ConfigParserPropertyTests
{
    [Property(MaxTest = 1000)]
    public bool NeverThrowsOnAnyBytes(byte[] bytes) => ParsesWithLocatedErrors(bytes);

    /// <summary>Pieces of real syntax, half-broken syntax and separators, so random files get past the first
    /// character often enough to exercise routes, targets, settings and continuations.</summary>
    static readonly string[] Fragments =
    [
        "a@x.example", "@", "@y.example", "joe@", "\"q@x\"@z", "joe", "jane@y.example", "@z.example", "relay", "relay(",
        "relay(mx:25)", "relay([::1]:2525)", "relay([", "pipe(", "pipe(/bin/sh -c \"a, (b)\")", "maildir(~/M/)",
        "mbox(", ")", "(", ",", ", ", " ", "\t", "\n", "\r\n", "\n  ", "\n\t", "//", " // c", "#", "\n# c\n",
        "hostname", "listen", "0.0.0.0:25", "[::]:25", "spool", "/var/spool", "user", "local-mailer", "trusted-networks",
        "10.0.0.0/8", "none", "max-message-size", "10M", "max-recipients", "100", "max-connections",
        "max-connections-per-client", "tls-certificate", "tls-key", "auto", "queue-lifetime", "5d", "delay-warning",
        "off", "retry", "5m", "spf", "tag", "policy", "dso(/x)", "socket(unix:/x)", "socket([::1]:1)", "verify-recipients",
        "on", "admin", "127.0.0.1:8025", "admin-password-file", "relay-credentials", "log", "syslog", "dns-servers",
        "\uFEFF", "é", "𝔘", "\u0000", "\u007f", "\r", "99999999999999999999", "-", "$USER", "~", "[",
    ];

    static Arbitrary<string> ConfigIsh() =>
        Gen.Elements(Fragments).ArrayOf().Select(parts => string.Concat(parts)).ToArbitrary();

    [Property(MaxTest = 1000)]
    public Property NeverThrowsOnMixturesOfConfigFragments() =>
        Prop.ForAll(ConfigIsh(), text => ParsesWithLocatedErrors(Encoding.UTF8.GetBytes(text)));

    [Property(MaxTest = 300)]
    public Property NeverThrowsOnMixturesWithInvalidBytes() =>
        Prop.ForAll(ConfigIsh(), ArbMap.Default.ArbFor<byte>(), (text, bad) =>
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            if (bytes.Length > 0)
                bytes[bad % bytes.Length] = bad;
            return ParsesWithLocatedErrors(bytes);
        });

    static bool ParsesWithLocatedErrors(byte[] bytes)
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(bytes, errors);
        return errors.All(e => e.Where.Line >= 1 && e.Where.Column >= 1 && e.Where.File == FileName && e.Message.Length > 0)
               && config.Routes.Routes.All(r => r.Where.Line >= 1 && r.Where.Column >= 1);
    }
}
