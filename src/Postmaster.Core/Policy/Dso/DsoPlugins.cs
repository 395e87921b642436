using Microsoft.Extensions.Logging;
using Postmaster.Config;

namespace Postmaster.Policy.Dso;

/// <summary>The policy plugins this process has loaded, by path: each is loaded (and initialised) once for the
/// life of the process and never unloaded, so a reload that still names a path keeps its library.</summary>
/// <remarks>Process-wide because dlopen(3) is: a second load of the same path would only return the same
/// library and run its init a second time.</remarks>
public static class DsoPlugins
{
    static readonly Dictionary<string, DsoPlugin> s_loaded = new(StringComparer.Ordinal);
    static readonly Lock s_lock = new();

    /// <summary>Loads every <c>dso(...)</c> of <paramref name="settings"/> not loaded yet. A plugin that cannot be
    /// loaded is reported at its place in the file, as a configuration error.</summary>
    /// <returns>False when any could not be loaded.</returns>
    public static bool Load(Settings settings, ICollection<ConfigError> errors, ILogger? log = null)
    {
        bool ok = true;
        foreach (PolicySpec.Dso dso in settings.Policy.OfType<PolicySpec.Dso>())
        {
            lock (s_lock)
            {
                if (s_loaded.ContainsKey(dso.Path))
                    continue;
                DsoPlugin? plugin = DsoPlugin.TryLoad(dso.Path, out string? problem);
                if (plugin is null)
                {
                    errors.Add(new ConfigError(dso.Where, $"policy: dso: {problem}"));
                    ok = false;
                    continue;
                }
                if (log is not null)
                {
                    plugin.Log = log;
                    PolicyLog.PluginLoaded(log, plugin.Name);
                }
                s_loaded.Add(dso.Path, plugin);
            }
        }
        return ok;
    }

    /// <summary>The policy that asks the plugin loaded from <paramref name="dso"/>'s path.</summary>
    /// <exception cref="InvalidOperationException">It was not loaded by <see cref="Load"/>: a bug.</exception>
    public static ISessionPolicy Policy(PolicySpec.Dso dso, TimeSpan timeout, PolicyFailureAction failure)
    {
        lock (s_lock)
        {
            return s_loaded.TryGetValue(dso.Path, out DsoPlugin? plugin)
                ? new DsoPolicy(plugin, timeout, failure)
                : throw new InvalidOperationException($"policy plugin {dso.Path} was never loaded");
        }
    }

    /// <summary>Calls every loaded plugin's cleanup (at the end of the daemon or of check-config).</summary>
    public static void CleanupAll(TimeSpan limit)
    {
        DsoPlugin[] plugins;
        lock (s_lock)
            plugins = [.. s_loaded.Values];
        foreach (DsoPlugin plugin in plugins)
            plugin.Cleanup(limit);
    }
}
