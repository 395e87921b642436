using Postmaster.Config;
using Xunit;
using static Postmaster.Tests.Config.ConfigFixtures;

namespace Postmaster.Tests.Config;

/// <summary>Every setting with good and bad values. Valid rows assert the value as check-config prints it
/// (<see cref="SettingsFormat"/>), invalid rows the whole <c>file:line:column: message</c>.</summary>
public sealed class SettingParsingTests
{
    // file text, setting, its value afterwards
    public static TheoryData<string, string, string> Valid => new()
    {
        { "hostname MX.Example.ORG", "hostname", "mx.example.org" },
        { "hostname bücher.example", "hostname", "xn--bcher-kva.example" },
        { "listen 0.0.0.0:25, [::1]:2525", "listen", "0.0.0.0:25, [::1]:2525" },
        { "listen [::]:25", "listen", "[::]:25" },
        { "listen 192.0.2.1:587", "listen", "192.0.2.1:587" },
        { "spool /var/tmp/spool dir", "spool", "/var/tmp/spool dir" },
        { "user joe", "user", "joe" },
        { "local-mailer maildir(/var/mail/$USER/)", "local-mailer", "maildir(/var/mail/$USER/)" },
        { "local-mailer pipe(/usr/bin/procmail -d $USER)", "local-mailer", "pipe(/usr/bin/procmail -d $USER)" },
        { "local-mailer mbox(~)", "local-mailer", "mbox(~)" },
        { "local-mailer relay(hub.example)", "local-mailer", "relay(hub.example:25)" },
        { "local-mailer relay", "local-mailer", "relay" },
        { "trusted-networks 192.0.2.0/24, 2001:db8::/32, 10.0.0.1, ::1", "trusted-networks",
            "192.0.2.0/24, 2001:db8::/32, 10.0.0.1/32, ::1/128" },
        { "trusted-networks 0.0.0.0/0", "trusted-networks", "0.0.0.0/0" },
        { "trusted-networks none", "trusted-networks", "none" },
        { "trusted-networks NONE", "trusted-networks", "none" },
        { "max-message-size 10M", "max-message-size", "10M" },
        { "max-message-size 512k", "max-message-size", "512K" },
        { "max-message-size 1536K", "max-message-size", "1536K" },
        { "max-message-size 4G", "max-message-size", "4G" },
        { "max-message-size 1", "max-message-size", "1" },
        { "max-recipients 100", "max-recipients", "100" },
        { "max-recipients 5000", "max-recipients", "5000" },
        { "max-connections 50", "max-connections", "50" },
        { "max-connections-per-client 1000", "max-connections-per-client", "1000" },
        { "max-connections 5000\nmax-connections-per-client 1", "max-connections-per-client", "1" },
        { "max-connections 10", "max-connections-per-client", "10" },   // the default of 20 follows it down
        { "tls-certificate auto\ntls-key AUTO", "tls-key", "auto" },
        { "queue-lifetime 4d", "queue-lifetime", "4d" },
        { "queue-lifetime 1w", "queue-lifetime", "7d" },
        { "queue-lifetime 120H", "queue-lifetime", "5d" },
        { "delay-warning off", "delay-warning", "off" },
        { "delay-warning OFF", "delay-warning", "off" },
        { "delay-warning 30m", "delay-warning", "30m" },
        { "retry 1m, 5m,1h", "retry", "1m, 5m, 1h" },
        { "retry 90s", "retry", "90s" },
        { "spf off", "spf", "off" },
        { "spf TAG", "spf", "tag" },
        { "spf reject", "spf", "reject" },
        { "policy socket(unix:/run/policy.sock), socket(127.0.0.1:10023), socket([::1]:10023), socket(Policy.Example:9998)",
            "policy", "socket(unix:/run/policy.sock), socket(127.0.0.1:10023), socket([::1]:10023), socket(policy.example:9998)" },
        { $"policy dso({Readable}), socket(unix:/run/p)", "policy", $"dso({Readable}), socket(unix:/run/p)" },
        { "policy socket(unix:/run/quota.sock, rcpt, data)", "policy", "socket(unix:/run/quota.sock, rcpt, data)" },
        { "policy socket(127.0.0.1:10023 , DATA,connect ), socket([::1]:10023, rcpt)", "policy",
            "socket(127.0.0.1:10023, connect, data), socket([::1]:10023)" },
        { "policy-timeout 30s", "policy-timeout", "30s" },
        { "hostname x.example", "policy-timeout", "10s" },
        { "policy-failure continue", "policy-failure", "continue" },
        { "policy-failure DEFER", "policy-failure", "defer" },
        { "hostname x.example", "policy-failure", "defer" },
        { "verify-recipients on", "verify-recipients", "on" },
        { "verify-recipients Off", "verify-recipients", "off" },
        { "verify-recipients-tempfail defer", "verify-recipients-tempfail", "defer" },
        { "verify-recipients-tempfail Accept", "verify-recipients-tempfail", "accept" },
        { "verify-cache-positive 12h", "verify-cache-positive", "12h" },
        { "verify-cache-negative 90s", "verify-cache-negative", "90s" },
        { "admin 127.0.0.1:8025", "admin", "127.0.0.1:8025" },
        { "admin [::1]:8025", "admin", "[::1]:8025" },
        { "admin off", "admin", "off" },
        { $"admin 0.0.0.0:8025\nadmin-password-file {Readable}", "admin", "0.0.0.0:8025" },
        { $"admin-password-file {Readable}", "admin-password-file", Readable },
        { $"relay-credentials {Private}", "relay-credentials", Private },
        { $"tls-certificate {Readable}\ntls-key {Private}", "tls-certificate", Readable },
        { "log syslog", "log", "syslog" },
        { "log STDERR", "log", "stderr" },
        { "dns-servers 192.0.2.53, 192.0.2.54:5353, [2001:db8::53]:53, 2001:db8::1, [::1]", "dns-servers",
            "192.0.2.53:53, 192.0.2.54:5353, [2001:db8::53]:53, [2001:db8::1]:53, [::1]:53" },
    };

    [Theory, MemberData(nameof(Valid))]
    public void ParsesValidSetting(string text, string name, string expected)
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(text, errors);

        Assert.Empty(errors);
        Assert.Equal(expected, SettingsFormat.Format(config.Settings, name));
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "hostname", "test.cf:1:1: missing value for \"hostname\"" },
        { "hostname   // none", "test.cf:1:1: missing value for \"hostname\"" },
        { "hostname [192.0.2.1]", "test.cf:1:10: hostname: expected a domain name, not the address literal \"[192.0.2.1]\"" },
        { "hostname a..b", "test.cf:1:10: hostname: empty label in domain \"a..b\"" },
        { "hostname mx example", "test.cf:1:10: hostname: character ' ' not allowed in domain \"mx example\"" },
        { "listen 0.0.0.0", "test.cf:1:8: listen: missing port in \"0.0.0.0\"" },
        { "listen localhost:25", "test.cf:1:8: listen: expected IPv4:port or [IPv6]:port, not \"localhost:25\"" },
        { "listen 0.0.0.0:25, , [::]:25", "test.cf:1:20: listen: empty list item" },
        { "listen ::1:25", "test.cf:1:8: listen: IPv6 address \"::1:25\" must be in brackets: [address]:port" },
        { "listen 0.0.0.0:99999", "test.cf:1:8: listen: bad port \"99999\" (1-65535)" },
        { "listen [::1]", "test.cf:1:8: listen: missing port in \"[::1]\"" },
        { "listen [::1", "test.cf:1:8: listen: missing \"]\" in \"[::1\"" },
        { "listen [192.0.2.1]:25", "test.cf:1:8: listen: not an IPv6 address: \"192.0.2.1\"" },
        { "listen 0.0.0.0:25, 1.2.3:25", "test.cf:1:20: listen: expected IPv4:port or [IPv6]:port, not \"1.2.3:25\"" },
        { "listen 010.0.0.1:25", "test.cf:1:8: listen: expected IPv4:port or [IPv6]:port, not \"010.0.0.1:25\"" },
        { "spool var/spool", "test.cf:1:7: spool: path must be absolute, not \"var/spool\"" },
        { "user ghost", "test.cf:1:6: no such user \"ghost\"" },
        { "user bad/name", "test.cf:1:6: user: bad user name \"bad/name\"" },
        { "local-mailer joe", "test.cf:1:14: local-mailer: must be a mailer (relay, pipe, maildir or mbox), not \"joe\"" },
        { "local-mailer @example.org", "test.cf:1:14: local-mailer: must be a mailer (relay, pipe, maildir or mbox), not \"@example.org\"" },
        { "local-mailer maildir(~/M/), mbox(~)", "test.cf:1:29: local-mailer: exactly one target expected" },
        { "local-mailer rely(x)", "test.cf:1:14: unknown mailer \"rely\"; did you mean \"relay\"?" },
        { "local-mailer maildir(Maildir)", "test.cf:1:22: maildir: path must be absolute or start with ~/" },
        { "trusted-networks 192.0.2.1/24", "test.cf:1:18: trusted-networks: \"192.0.2.1/24\" has host bits set; did you mean \"192.0.2.0/24\"?" },
        { "trusted-networks 192.0.2.0/33", "test.cf:1:18: trusted-networks: bad prefix length in \"192.0.2.0/33\" (0-32)" },
        { "trusted-networks ::/129", "test.cf:1:18: trusted-networks: bad prefix length in \"::/129\" (0-128)" },
        { "trusted-networks 10.0.0.0/", "test.cf:1:18: trusted-networks: bad prefix length in \"10.0.0.0/\" (0-32)" },
        { "trusted-networks example.org", "test.cf:1:18: trusted-networks: bad network \"example.org\" (expected an address or address/prefix)" },
        { "trusted-networks none, 10.0.0.0/8", "test.cf:1:18: trusted-networks: bad network \"none\" (expected an address or address/prefix)" },
        { "max-message-size 10X", "test.cf:1:18: max-message-size: bad size \"10X\" (a number with an optional K, M or G)" },
        { "max-message-size M", "test.cf:1:18: max-message-size: bad size \"M\" (a number with an optional K, M or G)" },
        { "max-message-size -1", "test.cf:1:18: max-message-size: bad size \"-1\" (a number with an optional K, M or G)" },
        { "max-message-size 0", "test.cf:1:18: max-message-size: size \"0\" out of range (1 to 4G)" },
        { "max-message-size 5G", "test.cf:1:18: max-message-size: size \"5G\" out of range (1 to 4G)" },
        { "max-message-size 4294967297", "test.cf:1:18: max-message-size: size \"4294967297\" out of range (1 to 4G)" },
        { "max-recipients 10", "test.cf:1:16: max-recipients must be at least 100 (RFC 5321 §4.5.3.1.8)" },
        { "max-recipients ten", "test.cf:1:16: max-recipients: expected a whole number, not \"ten\"" },
        { "max-recipients +500", "test.cf:1:16: max-recipients: expected a whole number, not \"+500\"" },
        { "max-recipients 99999999999", "test.cf:1:16: max-recipients: \"99999999999\" is too large" },
        { "max-connections 0", "test.cf:1:17: max-connections: must be at least 1" },
        { "max-connections-per-client 0", "test.cf:1:28: max-connections-per-client: must be at least 1" },
        { "max-connections 10\nmax-connections-per-client 20", "test.cf:2:28: max-connections-per-client must not exceed max-connections (10)" },
        { "max-connections-per-client 2000", "test.cf:1:28: max-connections-per-client must not exceed max-connections (1000)" },
        { "tls-certificate cert.pem", "test.cf:1:17: tls-certificate: expected auto or an absolute path, not \"cert.pem\"" },
        { "tls-certificate /nonexistent/cert.pem", "test.cf:1:17: tls-certificate: cannot read \"/nonexistent/cert.pem\": No such file or directory" },
        { "tls-key /", "test.cf:1:9: tls-key: cannot read \"/\": Is a directory" },
        { $"tls-certificate {Readable}", "test.cf:1:17: tls-certificate and tls-key must both be auto or both be files" },
        { $"tls-key {Readable}\ntls-certificate auto", "test.cf:2:17: tls-certificate and tls-key must both be auto or both be files" },
        { "queue-lifetime 90", "test.cf:1:16: queue-lifetime: missing unit in \"90\" (s, m, h, d or w)" },
        { "queue-lifetime 0d", "test.cf:1:16: queue-lifetime: \"0d\" must be longer than 0" },
        { "queue-lifetime 5y", "test.cf:1:16: queue-lifetime: unknown unit in \"5y\" (s, m, h, d or w)" },
        { "queue-lifetime 5dd", "test.cf:1:16: queue-lifetime: unknown unit in \"5dd\" (s, m, h, d or w)" },
        { "queue-lifetime d", "test.cf:1:16: queue-lifetime: bad duration \"d\" (a number and s, m, h, d or w)" },
        { "queue-lifetime 99999999999999w", "test.cf:1:16: queue-lifetime: duration \"99999999999999w\" is too large" },
        { "queue-lifetime 2d", "test.cf:1:16: warning: queue-lifetime: 2d is shorter than the 4-5 days of RFC 5321 §4.5.4.1" },
        { "delay-warning never", "test.cf:1:15: delay-warning: bad duration \"never\" (a number and s, m, h, d or w)" },
        { "delay-warning 0s", "test.cf:1:15: delay-warning: \"0s\" must be longer than 0" },
        { "retry 5m, 0m", "test.cf:1:11: retry: \"0m\" must be longer than 0" },
        { "retry 5m,, 10m", "test.cf:1:10: retry: empty list item" },
        { "retry 5m, 10m,", "test.cf:1:14: retry: empty list item" },
        { "spf maybe", "test.cf:1:5: spf: expected off, tag or reject, not \"maybe\"" },
        { "policy dso(lib.so)", "test.cf:1:12: policy: dso: path must be absolute, not \"lib.so\"" },
        { "policy dso()", "test.cf:1:8: policy: dso: empty path" },
        { "policy dso(/nonexistent/lib.so)", "test.cf:1:12: policy: dso: cannot read \"/nonexistent/lib.so\": No such file or directory" },
        { "policy socket(unix:run/p.sock)", "test.cf:1:15: policy: socket: unix socket path must be absolute, not \"run/p.sock\"" },
        { "policy socket(localhost)", "test.cf:1:15: policy: socket: missing port in \"localhost\"" },
        { "policy socket(::1:25)", "test.cf:1:15: policy: socket: IPv6 address \"::1:25\" must be in brackets: [address]:port" },
        { "policy socket(unix:/a, rcpt, later)", "test.cf:1:30: policy: socket: expected a stage (connect, helo, mail, rcpt or data), not \"later\"" },
        { "policy socket(unix:/a, rcpt,)", "test.cf:1:28: policy: socket: empty stage" },
        { "policy socket(unix:a, rcpt)", "test.cf:1:15: policy: socket: unix socket path must be absolute, not \"a\"" },
        { "policy-timeout 0s", "test.cf:1:16: policy-timeout: \"0s\" must be longer than 0" },
        { "policy-failure accept", "test.cf:1:16: policy-failure: expected defer or continue, not \"accept\"" },
        { "policy milter(x)", "test.cf:1:8: policy: expected dso(/path/lib.so) or socket(unix:/path | host:port), not \"milter(x)\"" },
        { "policy socket(unix:/a), dso", "test.cf:1:25: policy: expected dso(/path/lib.so) or socket(unix:/path | host:port), not \"dso\"" },
        { "verify-recipients yes", "test.cf:1:19: verify-recipients: expected on or off, not \"yes\"" },
        { "verify-recipients-tempfail reject", "test.cf:1:28: verify-recipients-tempfail: expected accept or defer, not \"reject\"" },
        { "verify-cache-positive 0s", "test.cf:1:23: verify-cache-positive: \"0s\" must be longer than 0" },
        { "verify-cache-negative forever", "test.cf:1:23: verify-cache-negative: bad duration \"forever\" (a number and s, m, h, d or w)" },
        { "admin 127.0.0.1", "test.cf:1:7: admin: missing port in \"127.0.0.1\"" },
        { "admin 0.0.0.0:8025", "test.cf:1:7: admin on the non-loopback address 0.0.0.0:8025 needs admin-password-file" },
        { "admin [2001:db8::1]:8025", "test.cf:1:7: admin on the non-loopback address [2001:db8::1]:8025 needs admin-password-file" },
        { "admin-password-file /nonexistent/pw", "test.cf:1:21: admin-password-file: cannot read \"/nonexistent/pw\": No such file or directory" },
        { "admin-password-file pw", "test.cf:1:21: admin-password-file: path must be absolute, not \"pw\"" },
        { $"relay-credentials {Public}", $"test.cf:1:19: relay-credentials: \"{Public}\" must not be accessible by group or others (mode 0644; chmod 600 it)" },
        { "relay-credentials /nonexistent/c", "test.cf:1:19: relay-credentials: cannot read \"/nonexistent/c\": No such file or directory" },
        { "log journald", "test.cf:1:5: log: expected stderr or syslog, not \"journald\"" },
        { "dns-servers 192.0.2.53:0", "test.cf:1:13: dns-servers: bad port \"0\" (1-65535)" },
        { "dns-servers ns.example", "test.cf:1:13: dns-servers: expected an IP address, IPv4:port or [IPv6]:port, not \"ns.example\"" },
        { "lsiten 0.0.0.0:25", "test.cf:1:1: unknown setting \"lsiten\"; did you mean \"listen\"?" },
        { "Hostname mx.example", "test.cf:1:1: unknown setting \"Hostname\"; did you mean \"hostname\"?" },
        { "max-recipient 100", "test.cf:1:1: unknown setting \"max-recipient\"; did you mean \"max-recipients\"?" },
        { "frobnicate yes", "test.cf:1:1: unknown setting \"frobnicate\"" },
        { "spf tag\nspf off", "test.cf:2:1: duplicate setting \"spf\" (first at line 1)" },
        { "spf", "test.cf:1:1: missing value for \"spf\"" },
    };

    [Theory, MemberData(nameof(Invalid))]
    public void ReportsInvalidSettingWithLocation(string text, string expected)
    {
        Assert.Equal(expected, Assert.Single(Problems(text)));
    }

    [Fact]
    public void KeepsEveryDefaultWhenNothingIsWritten()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse("a@x.example joe", errors);

        Assert.Empty(errors);
        Assert.Equal(new Settings { Hostname = DefaultHostname }.ToString(), config.Settings.ToString());
        Assert.Empty(config.ExplicitSettings);
    }

    [Fact]
    public void AsksForTheDefaultHostnameOnlyWhenNoneIsWritten()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = ConfigParser.Parse("hostname mx.example"u8, FileName, Users,
            () => throw new InvalidOperationException("must not be called"), errors);

        Assert.Equal("mx.example", config.Settings.Hostname);
    }

    [Fact]
    public void ListsTheWrittenSettingsInFileOrder()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse("spf off\na@x joe\nlisten 0.0.0.0:25\n  , [::]:25\nhostname mx.example\nlog bad\nlsiten x", errors);

        Assert.Equal(["spf test.cf:1:1", "listen test.cf:3:1", "hostname test.cf:5:1"],
            config.ExplicitSettings.Select(s => $"{s.Name} {s.Where}"));
    }

    [Fact]
    public void AcceptsAShortQueueLifetimeWithAWarning()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse("queue-lifetime 1d", errors);

        Assert.True(Assert.Single(errors).IsWarning);
        Assert.Equal(TimeSpan.FromDays(1), config.Settings.QueueLifetime);
    }

    [Fact]
    public void ReportsEveryBadItemOfAList()
    {
        Assert.Equal(["test.cf:1:8: listen: missing port in \"1.2.3.4\"", "test.cf:1:29: listen: bad port \"0\" (1-65535)"],
            Problems("listen 1.2.3.4, 0.0.0.0:25, [::]:0"));
    }
}
