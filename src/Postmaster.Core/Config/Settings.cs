using System.Collections.Immutable;
using System.Net;
using Postmaster.Policy;
using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>Every setting of DESIGN.md §2 with its default. A setting not written in the file keeps the
/// value given here, so <c>new Settings { Hostname = ... }</c> is a complete, working configuration.</summary>
public sealed record Settings
{
    /// <summary>Banner, HELO, Received and bounces. The loader fills in the system's FQDN when unset.</summary>
    public string Hostname { get; init; } = "localhost";

    public ImmutableArray<IPEndPoint> Listen { get; init; } =
        [new IPEndPoint(IPAddress.IPv6Any, 25), new IPEndPoint(IPAddress.Any, 25)];

    public string Spool { get; init; } = "/var/spool/postmaster";

    /// <summary>The identity taken after binding the ports; <c>null</c> means <c>postmaster</c> when started as root.</summary>
    public string? User { get; init; }

    /// <summary>What a bare user target means; <c>$USER</c> and <c>~</c> are expanded per recipient.</summary>
    public Target LocalMailer { get; init; } = new Target.Maildir("~/Maildir/");

    public ImmutableArray<IPNetwork> TrustedNetworks { get; init; } =
        [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    public long MaxMessageSize { get; init; } = 50L * 1024 * 1024;

    /// <summary>RFC 5321 §4.5.3.1.8: a server must accept at least 100.</summary>
    public int MaxRecipients { get; init; } = 1000;

    public int MaxConnections { get; init; } = 1000;
    public int MaxConnectionsPerClient { get; init; } = 20;

    /// <summary>PEM file, or <c>null</c> for <c>auto</c>: a self-signed pair generated once into the spool.</summary>
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }

    /// <summary>RFC 5321 §4.5.4.1: give up after 4-5 days.</summary>
    public TimeSpan QueueLifetime { get; init; } = TimeSpan.FromDays(5);

    /// <summary><c>null</c> when <c>off</c>.</summary>
    public TimeSpan? DelayWarning { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Delays before each retry; the last one repeats.</summary>
    public ImmutableArray<TimeSpan> Retry { get; init; } =
    [
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(40),
        TimeSpan.FromMinutes(80), TimeSpan.FromHours(2), TimeSpan.FromHours(4),
    ];

    public SpfMode Spf { get; init; } = SpfMode.Tag;

    public ImmutableArray<PolicySpec> Policy { get; init; } = [];

    /// <summary>How long one policy call (a plugin's check, a policy server's answer) may take. Not in DESIGN.md §2.</summary>
    public TimeSpan PolicyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What a session is told when a policy cannot answer (timeout, error, garbage). Not in DESIGN.md §2.</summary>
    public PolicyFailureAction PolicyFailure { get; init; } = PolicyFailureAction.Defer;

    public bool VerifyRecipients { get; init; }

    /// <summary>What RCPT answers when the next hop cannot tell (4xx, timeout, unreachable): accept, or 451.</summary>
    public VerifyTempfail VerifyRecipientsTempfail { get; init; } = VerifyTempfail.Accept;

    /// <summary>How long a next hop's "yes" (2xx) to a verification is remembered.</summary>
    public TimeSpan VerifyCachePositive { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How long a next hop's "no" (5xx) to a verification is remembered.</summary>
    public TimeSpan VerifyCacheNegative { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Address of the web admin and <c>/metrics</c>; <c>null</c>: off.</summary>
    public IPEndPoint? Admin { get; init; }
    public string? AdminPasswordFile { get; init; }

    public string? RelayCredentials { get; init; }

    public LogTarget Log { get; init; } = LogTarget.Stderr;

    /// <summary>Empty: the system's resolvers (<c>/etc/resolv.conf</c>).</summary>
    public ImmutableArray<IPEndPoint> DnsServers { get; init; } = [];
}

public enum SpfMode { Off, Tag, Reject }

public enum VerifyTempfail { Accept, Defer }

public enum LogTarget { Stderr, Syslog }

/// <summary><c>policy-failure</c>: <c>defer</c> answers 451 4.3.5 (Postfix's default), <c>continue</c> asks the next policy.</summary>
public enum PolicyFailureAction { Defer, Continue }

/// <summary>A <c>policy</c> entry: a rejection callback asked during the SMTP dialogue.</summary>
public abstract record PolicySpec
{
    /// <summary><c>dso(/path/lib.so)</c>: a shared object with the C ABI of <c>postmaster_policy.h</c>.</summary>
    public sealed record Dso(string Path) : PolicySpec
    {
        /// <summary>Where the path is written: the plugin is loaded later (daemon, check-config), and a plugin
        /// that cannot be loaded is reported there.</summary>
        public SourceLocation Where { get; init; }

        public override string ToString() => $"dso({Path})";
    }

    /// <summary><c>socket(unix:/path)</c> or <c>socket(host:port)</c>: the Postfix policy delegation protocol,
    /// asked at <paramref name="Stages"/> (RCPT unless more are written: <c>socket(host:port, rcpt, data)</c>).</summary>
    public sealed record Socket(string? UnixPath, string? Host, int Port, PolicyStages Stages = PolicyStages.Rcpt)
        : PolicySpec
    {
        /// <summary>The address alone: <c>unix:/path</c>, <c>host:port</c>, <c>[IPv6]:port</c>.</summary>
        public string Address => UnixPath is not null ? $"unix:{UnixPath}"
            : Host!.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

        public override string ToString() => Stages == PolicyStages.Rcpt ? $"socket({Address})"
            : $"socket({Address}, {PolicyStageNames.Format(Stages)})";
    }
}
