using System.CommandLine;

namespace Postmaster.Cli;

/// <summary>Options every role accepts.</summary>
internal static class CommonOptions
{
    public const string DefaultConfigPath = "/etc/postmaster.cf";

    public static readonly Option<string> Config = new("--config", "-c")
    {
        Description = $"Configuration file (default: $POSTMASTER_CONFIG, else {DefaultConfigPath})",
        HelpName = "FILE",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("POSTMASTER_CONFIG") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : DefaultConfigPath,
        Recursive = true,   // accepted after any subcommand too (TOOLCHAIN.md gotcha 2)
    };
}
