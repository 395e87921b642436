using System.CommandLine;
using Postmaster.Config;
using Postmaster.Logging;
using Postmaster.Platform;
using Postmaster.Routing;
using Postmaster.Submission;

namespace Postmaster.Cli;

/// <summary><c>postmaster sendmail [-t] [-i] [-f ADDR] [-F NAME] [RCPT ...]</c>, and the binary run under the
/// name <c>sendmail</c>: sendmail-compatible injection (DESIGN.md §1).</summary>
/// <remarks>Sendmail's options are not System.CommandLine's (<c>-oi</c>, <c>-fADDR</c>, <c>-odb</c>), so
/// <see cref="RewriteArguments"/> puts a <c>--</c> after <c>sendmail</c> and <see cref="SendmailArguments"/>
/// reads them as Postfix's sendmail does.</remarks>
internal static class SendmailCommand
{
    static readonly Argument<string[]> Arguments = new("options and recipients")
    {
        Arity = ArgumentArity.ZeroOrMore,
        Description = "[-t] [-i] [-oi] [-f ADDR] [-F NAME] [--] [RCPT ...]; 'postmaster sendmail --help' explains them",
    };

    public static Command Create()
    {
        Command command = new("sendmail", "Sendmail-compatible injection: read a message on standard input and queue it") { Arguments };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, cancellationToken));
        return command;
    }

    /// <summary>Whether the binary was started under the name <c>sendmail</c> (a symlink, as mailx, cron and PHP
    /// expect): then it is <c>postmaster sendmail</c>, without going through System.CommandLine, whose root
    /// command takes the program's name and would clash with the subcommand.</summary>
    public static bool IsSendmail(string? programName) => Path.GetFileName(programName) == "sendmail";

    /// <summary>As <c>sendmail</c>: the configuration from <c>-C FILE</c>, else as for every role.</summary>
    public static Task<int> RunAsSendmailAsync(string[] args) =>
        RunAsync(args, Environment.GetEnvironmentVariable("POSTMASTER_CONFIG") is { Length: > 0 } fromEnvironment
            ? fromEnvironment : CommonOptions.DefaultConfigPath, CancellationToken.None);

    /// <summary>Run as <c>mailq</c>: <c>spool list</c>; <c>postmaster [-c FILE] sendmail ARGS</c>: a <c>--</c>
    /// inserted after <c>sendmail</c>, so that System.CommandLine passes the sendmail options on untouched.</summary>
    public static string[] RewriteArguments(string[] args, string? programName)
    {
        if (Path.GetFileName(programName) == "mailq")
            return ["spool", "list"];
        int at = 0;
        while (at < args.Length)
        {
            string token = args[at];
            if (token is "-c" or "--config")
                at += 2;
            else if (token.StartsWith("-c=") || token.StartsWith("-c:") || token.StartsWith("--config=") || token.StartsWith("--config:"))
                at++;
            else
                break;
        }
        return at < args.Length && args[at] == "sendmail" ? [.. args[..(at + 1)], "--", .. args[(at + 1)..]] : args;
    }

    static Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken) =>
        RunAsync(parse.GetValue(Arguments) ?? [], parse.GetRequiredValue(CommonOptions.Config), cancellationToken);

    static async Task<int> RunAsync(string[] arguments, string configPath, CancellationToken cancellationToken)
    {
        if (!SendmailArguments.TryParse(arguments, out SendmailOptions? options, out string? error))
        {
            Console.Error.WriteLine($"postmaster sendmail: {error}");
            Console.Error.WriteLine("Try 'postmaster sendmail --help'.");
            return ExitCodes.Usage;
        }
        if (options.Mode == SendmailMode.Help)
        {
            Console.Out.Write(SendmailArguments.Usage);
            return ExitCodes.Ok;
        }
        if (options.Mode == SendmailMode.NewAliases)
            return ExitCodes.Ok;     // routes and aliases live in postmaster.cf; there is no database to rebuild

        string path = options.ConfigPath ?? configPath;
        var errors = new List<ConfigError>();
        // An ordinary user cannot read the daemon's key or credentials files, and sendmail needs none of them.
        PostmasterConfig? config = ConfigLoader.Load(path, PasswdDatabase.Instance, HostIdentity.FullyQualifiedName, errors,
            tolerate: e => e.Message.Contains(": cannot read ", StringComparison.Ordinal));
        foreach (ConfigError problem in errors.Where(e => !e.IsWarning))
            Console.Error.WriteLine($"postmaster sendmail: {problem}");
        if (config is null)
            return ExitCodes.Config;

        Settings settings = config.Settings;
        var resolver = new RouteResolver(config.Routes, settings.Hostname, settings.LocalMailer, PasswdDatabase.Instance);
        using var loggers = LogSetup.Create(settings.Log);
        await using Stream input = Console.OpenStandardInput();
        SubmissionResult result = await Sendmail.RunAsync(options, settings, resolver, input, Submitter.Current(),
            TimeProvider.System, loggers, cancellationToken);
        foreach (string problem in result.Problems)
            Console.Error.WriteLine($"postmaster sendmail: {problem}");
        return result.Outcome switch
        {
            SubmissionOutcome.Queued => ExitCodes.Ok,
            SubmissionOutcome.Usage => ExitCodes.Usage,
            SubmissionOutcome.BadMessage => ExitCodes.DataError,
            SubmissionOutcome.RecipientRefused => ExitCodes.NoUser,
            _ => ExitCodes.TempFail,
        };
    }
}
