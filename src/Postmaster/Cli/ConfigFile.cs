using Postmaster.Config;

namespace Postmaster.Cli;

/// <summary>Loads the configuration file a role was given and prints its problems, one per line, the way
/// every role reports them (<c>file:line:column: message</c>).</summary>
internal static class ConfigFile
{
    /// <returns>The configuration, or null when it has errors (the caller exits with EX_CONFIG).</returns>
    public static PostmasterConfig? Load(string path, bool showWarnings = true)
    {
        var errors = new List<ConfigError>();
        PostmasterConfig? config = ConfigLoader.Load(path, errors);
        foreach (ConfigError error in errors.Where(e => showWarnings || !e.IsWarning))
            Console.Error.WriteLine(error);
        return config;
    }
}
