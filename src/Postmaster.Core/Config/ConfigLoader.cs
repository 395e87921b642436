using Postmaster.Platform;
using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>Loads the configuration the way the daemon and <c>check-config</c> do: read, parse, then look for
/// routing loops. Never throws for a bad or unreadable file; everything goes to the error list.</summary>
public static class ConfigLoader
{
    /// <summary>Loads <paramref name="path"/> against the system's passwd database and host name.</summary>
    /// <returns>The configuration, or <c>null</c> when any error (not a warning) was reported.</returns>
    public static PostmasterConfig? Load(string path, ICollection<ConfigError> errors) =>
        Load(path, PasswdDatabase.Instance, HostIdentity.FullyQualifiedName, errors);

    /// <summary>Loads <paramref name="path"/> with the given user database and default host name (for tests).</summary>
    public static PostmasterConfig? Load(string path, IUserDatabase users, Func<string> defaultHostname,
        ICollection<ConfigError> errors) => Load(path, users, defaultHostname, errors, tolerate: null);

    /// <summary>Loads <paramref name="path"/>; problems <paramref name="tolerate"/> accepts are reported as warnings
    /// (a reload after dropping root cannot read the root-only key the daemon loaded at start).</summary>
    public static PostmasterConfig? Load(string path, IUserDatabase users, Func<string> defaultHostname,
        ICollection<ConfigError> errors, Func<ConfigError, bool>? tolerate)
    {
        if (!TryRead(path, out byte[] bytes, out string? problem))
        {
            errors.Add(new ConfigError(SourceLocation.WholeFile(path), $"cannot read: {problem}"));
            return null;
        }

        var found = new List<ConfigError>();
        PostmasterConfig config = ConfigParser.Parse(bytes, path, users, defaultHostname, found);
        // The loop check resolves addresses through the table; on a table with errors it would only add noise.
        if (!found.Any(e => !e.IsWarning))
            found.AddRange(new RouteResolver(config.Routes, config.Settings.Hostname, config.Settings.LocalMailer, users).FindLoops());

        for (int i = 0; i < found.Count; i++)
        {
            if (!found[i].IsWarning && tolerate?.Invoke(found[i]) == true)
                found[i] = found[i] with { IsWarning = true };
        }
        foreach (ConfigError error in found)
            errors.Add(error);
        return found.Any(e => !e.IsWarning) ? null : config;
    }

    static bool TryRead(string path, out byte[] bytes, out string? problem)
    {
        bytes = [];
        problem = null;
        try
        {
            if (Directory.Exists(path))
                problem = "Is a directory";
            else
                bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = FileChecks.Reason(e);
        }
        return problem is null;
    }
}
