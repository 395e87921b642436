using System.Net;

namespace Postmaster.Config;

/// <summary>Rules that tie two settings together, checked once the whole file is read (the order in which the
/// settings are written does not matter). A rule is skipped when one of its settings already had an error.</summary>
internal static class SettingsChecks
{
    public static Settings Check(Settings settings, IReadOnlyDictionary<string, WrittenSetting> written,
        ICollection<ConfigError> errors)
    {
        settings = ConnectionLimits(settings, written, errors);
        TlsPair(settings, written, errors);
        AdminPassword(settings, written, errors);
        return settings;
    }

    // The per-client limit cannot exceed the total. When only the total is written and it is below the default
    // per-client limit, that default follows it down rather than turning a small valid file into an error.
    static Settings ConnectionLimits(Settings settings, IReadOnlyDictionary<string, WrittenSetting> written,
        ICollection<ConfigError> errors)
    {
        if (!Usable(written, "max-connections", out _) || !Usable(written, "max-connections-per-client", out var perClient))
            return settings;
        if (settings.MaxConnectionsPerClient <= settings.MaxConnections)
            return settings;
        if (perClient is null)
            return settings with { MaxConnectionsPerClient = settings.MaxConnections };
        errors.Add(new ConfigError(perClient.Value.Where,
            $"max-connections-per-client must not exceed max-connections ({settings.MaxConnections})"));
        return settings;
    }

    // A certificate without its key (or the reverse) cannot be loaded; "auto" generates both together.
    static void TlsPair(Settings settings, IReadOnlyDictionary<string, WrittenSetting> written, ICollection<ConfigError> errors)
    {
        if (!Usable(written, "tls-certificate", out var certificate) || !Usable(written, "tls-key", out var key)
            || (settings.TlsCertificate is null) == (settings.TlsKey is null))
            return;
        WrittenSetting last = certificate is null ? key! : key is null || key.Key.Line < certificate.Key.Line ? certificate : key;
        errors.Add(new ConfigError(last.Value.Where, "tls-certificate and tls-key must both be auto or both be files"));
    }

    // The web admin can stop and delete mail: off the loopback interface it must not be open to anyone.
    static void AdminPassword(Settings settings, IReadOnlyDictionary<string, WrittenSetting> written, ICollection<ConfigError> errors)
    {
        if (settings.Admin is not { } admin || IPAddress.IsLoopback(admin.Address) || settings.AdminPasswordFile is not null
            || !Usable(written, "admin-password-file", out _))
            return;
        errors.Add(new ConfigError(written["admin"].Value.Where,
            $"admin on the non-loopback address {admin} needs admin-password-file"));
    }

    /// <summary>False when the setting was written with an error; <paramref name="setting"/> is null when not written.</summary>
    static bool Usable(IReadOnlyDictionary<string, WrittenSetting> written, string name, out WrittenSetting? setting) =>
        !written.TryGetValue(name, out setting) || setting.Applied;
}
