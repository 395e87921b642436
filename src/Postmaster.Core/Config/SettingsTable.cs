using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net;
using static Postmaster.Config.SettingParsers;

namespace Postmaster.Config;

/// <summary>One setting: its name as written in the file and how its value is parsed into <see cref="Settings"/>.</summary>
/// <param name="Apply">Returns the settings with this value applied, or <c>null</c> after reporting a problem.</param>
internal sealed record SettingRow(string Name, Func<LocatedText, SettingContext, Settings, Settings?> Apply);

/// <summary>Every setting of DESIGN.md §2, one row each, in the order of the documentation.</summary>
internal static class SettingsTable
{
    public static readonly ImmutableArray<SettingRow> Rows =
    [
        Row<string>("hostname", Hostname, (s, v) => s with { Hostname = v }),
        Row<ImmutableArray<IPEndPoint>>("listen", List<IPEndPoint>(ListenEndpoint), (s, v) => s with { Listen = v }),
        Row<string>("spool", AbsolutePath, (s, v) => s with { Spool = v }),
        Row<string?>("user", User, (s, v) => s with { User = v }),
        Row<Routing.Target>("local-mailer", LocalMailer, (s, v) => s with { LocalMailer = v }),
        Row<ImmutableArray<IPNetwork>>("trusted-networks", TrustedNetworks, (s, v) => s with { TrustedNetworks = v }),
        Row<long>("max-message-size", Size, (s, v) => s with { MaxMessageSize = v }),
        Row<int>("max-recipients", Count(100, "max-recipients must be at least 100 (RFC 5321 §4.5.3.1.8)"),
            (s, v) => s with { MaxRecipients = v }),
        Row<int>("max-connections", Count(1), (s, v) => s with { MaxConnections = v }),
        Row<int>("max-connections-per-client", Count(1), (s, v) => s with { MaxConnectionsPerClient = v }),
        Row<string?>("tls-certificate", FileOrAuto, (s, v) => s with { TlsCertificate = v }),
        Row<string?>("tls-key", FileOrAuto, (s, v) => s with { TlsKey = v }),
        Row<TimeSpan>("queue-lifetime", QueueLifetime, (s, v) => s with { QueueLifetime = v }),
        Row<TimeSpan?>("delay-warning", DurationOrOff, (s, v) => s with { DelayWarning = v }),
        Row<ImmutableArray<TimeSpan>>("retry", List<TimeSpan>(PositiveDuration), (s, v) => s with { Retry = v }),
        Row<SpfMode>("spf", SpfSetting.Parse, (s, v) => s with { Spf = v }),
        Row<ImmutableArray<PolicySpec>>("policy", List<PolicySpec>(PolicyParser.Parse), (s, v) => s with { Policy = v }),
        // Not in DESIGN.md §2: how long a policy may take, and what its silence means (README, "Policies").
        Row<TimeSpan>("policy-timeout", PositiveDuration, (s, v) => s with { PolicyTimeout = v }),
        Row<PolicyFailureAction>("policy-failure", Word(("defer", PolicyFailureAction.Defer), ("continue", PolicyFailureAction.Continue)),
            (s, v) => s with { PolicyFailure = v }),
        Row<bool>("verify-recipients", Word(("on", true), ("off", false)), (s, v) => s with { VerifyRecipients = v }),
        // Not in DESIGN.md §2: how recipient verification treats a next hop that cannot tell, and its cache times.
        Row<VerifyTempfail>("verify-recipients-tempfail", Word(("accept", VerifyTempfail.Accept), ("defer", VerifyTempfail.Defer)),
            (s, v) => s with { VerifyRecipientsTempfail = v }),
        Row<TimeSpan>("verify-cache-positive", PositiveDuration, (s, v) => s with { VerifyCachePositive = v }),
        Row<TimeSpan>("verify-cache-negative", PositiveDuration, (s, v) => s with { VerifyCacheNegative = v }),
        Row<IPEndPoint?>("admin", EndpointOrOff, (s, v) => s with { Admin = v }),
        Row<string>("admin-password-file", ReadableFile, (s, v) => s with { AdminPasswordFile = v }),
        Row<string>("relay-credentials", PrivateFile, (s, v) => s with { RelayCredentials = v }),
        Row<LogTarget>("log", Word(("stderr", LogTarget.Stderr), ("syslog", LogTarget.Syslog)), (s, v) => s with { Log = v }),
        Row<ImmutableArray<IPEndPoint>>("dns-servers", List<IPEndPoint>(DnsServer), (s, v) => s with { DnsServers = v }),
    ];

    public static readonly FrozenDictionary<string, SettingRow> ByName = Rows.ToFrozenDictionary(row => row.Name);

    public static IEnumerable<string> Names => Rows.Select(row => row.Name);

    static SettingRow Row<T>(string name, ValueParser<T> parse, Func<Settings, T, Settings> apply) =>
        new(name, (value, context, settings) => parse(value, context, out T result) ? apply(settings, result) : null);
}
