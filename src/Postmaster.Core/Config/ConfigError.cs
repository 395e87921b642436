namespace Postmaster.Config;

/// <summary>One problem found in a configuration file. Parsing collects all of them (STYLE.md habit 7).</summary>
/// <remarks>A warning does not make the file invalid; it is printed so the administrator can look.</remarks>
public sealed record ConfigError(SourceLocation Where, string Message, bool IsWarning = false)
{
    public static ConfigError Warning(SourceLocation where, string message) => new(where, message, IsWarning: true);

    public override string ToString() => IsWarning ? $"{Where}: warning: {Message}" : $"{Where}: {Message}";
}
