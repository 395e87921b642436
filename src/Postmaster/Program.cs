using System.CommandLine;
using Postmaster.Cli;

// The only entry point: every role of Postmaster is a subcommand of this one executable.
RootCommand root = new("Postmaster: a mail transport agent that is simple to set up")
{
    CommonOptions.Config,
    DaemonCommand.Create(),
    CheckConfigCommand.Create(),
    DeliverCommand.Create(),
    SpoolCommand.Create(),
    SendmailCommand.Create(),
};

// Run as "sendmail" (a symlink, as mailx, cron and PHP expect) the binary is "postmaster sendmail".
string? programName = Environment.GetCommandLineArgs().FirstOrDefault();
if (SendmailCommand.IsSendmail(programName))
    return await SendmailCommand.RunAsSendmailAsync(args);
ParseResult parse = root.Parse(SendmailCommand.RewriteArguments(args, programName));
if (parse.Errors.Count > 0)
{
    // One line per problem and EX_USAGE, rather than the library's exit 1 and a page of help.
    foreach (var error in parse.Errors)
        Console.Error.WriteLine($"postmaster: {error.Message}");
    Console.Error.WriteLine("Try 'postmaster --help'.");
    return ExitCodes.Usage;
}
try
{
    // No termination timeout: the daemon handles SIGTERM/SIGINT itself and lets transactions finish (MtaHost);
    // System.CommandLine's default would end the process two seconds after the signal.
    return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
}
catch (Exception bug)
{
    // A bug, not the user's fault: one line that says what broke, never a stack trace (EX_SOFTWARE).
    Console.Error.WriteLine($"postmaster: internal error: {bug.GetType().Name}: {bug.Message.ReplaceLineEndings(" ")}");
    return ExitCodes.Software;
}
