using System.Net;

namespace Postmaster.Config;

/// <summary>Prints a setting's value in the configuration file's own syntax (check-config, the web admin).</summary>
public static class SettingsFormat
{
    public static string Format(Settings s, string name) => name switch
    {
        "hostname" => s.Hostname,
        "listen" => List(s.Listen.Select(Endpoint)),
        "spool" => s.Spool,
        "user" => s.User ?? "postmaster",
        "local-mailer" => s.LocalMailer.ToString(),
        "trusted-networks" => s.TrustedNetworks.IsEmpty ? "none" : List(s.TrustedNetworks.Select(n => n.ToString())),
        "max-message-size" => Size(s.MaxMessageSize),
        "max-recipients" => s.MaxRecipients.ToString(),
        "max-connections" => s.MaxConnections.ToString(),
        "max-connections-per-client" => s.MaxConnectionsPerClient.ToString(),
        "tls-certificate" => s.TlsCertificate ?? "auto",
        "tls-key" => s.TlsKey ?? "auto",
        "queue-lifetime" => Duration(s.QueueLifetime),
        "delay-warning" => s.DelayWarning is { } warning ? Duration(warning) : "off",
        "retry" => List(s.Retry.Select(Duration)),
        "spf" => s.Spf.ToString().ToLowerInvariant(),
        "policy" => List(s.Policy.Select(p => p.ToString())),
        "policy-timeout" => Duration(s.PolicyTimeout),
        "policy-failure" => s.PolicyFailure.ToString().ToLowerInvariant(),
        "verify-recipients" => s.VerifyRecipients ? "on" : "off",
        "verify-recipients-tempfail" => s.VerifyRecipientsTempfail.ToString().ToLowerInvariant(),
        "verify-cache-positive" => Duration(s.VerifyCachePositive),
        "verify-cache-negative" => Duration(s.VerifyCacheNegative),
        "admin" => s.Admin is { } admin ? Endpoint(admin) : "off",
        "admin-password-file" => s.AdminPasswordFile ?? "",
        "relay-credentials" => s.RelayCredentials ?? "",
        "log" => s.Log.ToString().ToLowerInvariant(),
        "dns-servers" => List(s.DnsServers.Select(Endpoint)),
        _ => "?",
    };

    public static string Endpoint(IPEndPoint endpoint) => endpoint.ToString();   // "[::1]:25" or "127.0.0.1:25"

    public static string Size(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30}G" :
        bytes % (1L << 20) == 0 ? $"{bytes >> 20}M" :
        bytes % (1L << 10) == 0 ? $"{bytes >> 10}K" : bytes.ToString();

    public static string Duration(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerDay == 0 ? $"{span.Days}d" :
        span.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)span.TotalHours}h" :
        span.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)span.TotalMinutes}m" : $"{(long)span.TotalSeconds}s";

    static string List(IEnumerable<string> items) => string.Join(", ", items);
}
