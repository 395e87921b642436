using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>The short report <c>check-config</c> prints for a valid file.</summary>
public static class ConfigSummary
{
    public static void Write(TextWriter output, PostmasterConfig config, RouteResolver resolver)
    {
        output.WriteLine($"{config.Path}: ok");
        output.WriteLine($"routes: {config.Routes.Routes.Length}");
        output.WriteLine($"local domains: {string.Join(", ", resolver.LocalDomains.Order(StringComparer.Ordinal))}");
        if (config.ExplicitSettings.IsEmpty)
        {
            output.WriteLine("settings: all defaults");
            return;
        }
        output.WriteLine("settings changed from their defaults:");
        foreach ((string name, SourceLocation where) in config.ExplicitSettings)
            output.WriteLine($"  {name} {SettingsFormat.Format(config.Settings, name)}  ({where.FileAndLine})");
    }
}
