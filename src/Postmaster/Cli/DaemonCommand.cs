using System.CommandLine;
using Postmaster.Config;
using Postmaster.Hosting;

namespace Postmaster.Cli;

/// <summary><c>postmaster daemon</c>: the SMTP daemon in the foreground (no self-forking: systemd and
/// tarball users run it the same way).</summary>
internal static class DaemonCommand
{
    public static Command Create()
    {
        Command command = new("daemon", "Run the SMTP daemon in the foreground; SIGHUP reloads the configuration, SIGTERM stops");
        command.SetAction((parse, _) => RunAsync(parse));
        return command;
    }

    static async Task<int> RunAsync(ParseResult parse)
    {
        string path = parse.GetRequiredValue(CommonOptions.Config);
        PostmasterConfig? config = ConfigFile.Load(path);
        if (config is null)
            return ExitCodes.Config;
        return await MtaHost.RunAsync(path, config);
    }
}
