using System.CommandLine;
using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Platform;
using Postmaster.Policy.Dso;
using Postmaster.Routing;
using Postmaster.Spf;

namespace Postmaster.Cli;

/// <summary><c>postmaster check-config [--route ADDR ...]</c>: load what the daemon would load, report every
/// problem, change nothing; with <c>--route</c>, show how addresses resolve.</summary>
internal static class CheckConfigCommand
{
    static readonly Option<string[]> Route = new("--route", "-r")
    {
        Description = "Show how ADDR is routed: the rules used (file:line), the final targets and their mailers",
        HelpName = "ADDR",
        AllowMultipleArgumentsPerToken = true,
    };

    public static Command Create()
    {
        Command command = new("check-config", "Validate the configuration file and show how addresses are routed") { Route };
        command.SetAction(Run);
        return command;
    }

    static int Run(ParseResult parse)
    {
        string path = parse.GetRequiredValue(CommonOptions.Config);
        PostmasterConfig? config = ConfigFile.Load(path);
        if (config is null)
            return ExitCodes.Config;
        try
        {
            return Check(config, parse.GetValue(Route) ?? []);
        }
        finally
        {
            DsoPlugins.CleanupAll(TimeSpan.FromSeconds(5));
        }
    }

    static int Check(PostmasterConfig config, string[] addresses)
    {
        // Policy plugins load as the daemon would load them, so a wrong ABI version or a missing symbol is
        // found now, at its place in the file.
        var pluginErrors = new List<ConfigError>();
        if (!DsoPlugins.Load(config.Settings, pluginErrors))
        {
            foreach (ConfigError error in pluginErrors)
                Console.Error.WriteLine(error);
            return ExitCodes.Config;
        }

        var resolver = new RouteResolver(config.Routes, config.Settings.Hostname, config.Settings.LocalMailer,
            PasswdDatabase.Instance);
        if (addresses.Length == 0)
        {
            ConfigSummary.Write(Console.Out, config, resolver);
            if (config.Settings.Spf != SpfMode.Off && SpfLibrary.Status is { IsAvailable: false } missing)
                Console.Out.WriteLine($"spf: unavailable, libspf2 cannot be loaded ({missing.Problem}); mail is accepted without SPF checks");
            return ExitCodes.Ok;
        }

        int exitCode = ExitCodes.Ok;
        foreach (string text in addresses)
        {
            if (!RouteReport.TryParseAddress(text, config.Settings.Hostname, out Mailbox? address, out string? problem))
            {
                Console.Error.WriteLine($"postmaster: \"{text}\": {problem}");
                exitCode = Math.Max(exitCode, ExitCodes.Usage);
                continue;
            }
            Resolution resolution = resolver.Resolve(address);
            RouteReport.Write(Console.Out, resolution);
            if (!resolution.Succeeded)
                exitCode = ExitCodes.NoUser;
        }
        return exitCode;
    }
}
