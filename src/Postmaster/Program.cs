using System.CommandLine;
using Postmaster.Cli;

// The only entry point: every role of Postmaster is a subcommand of this one executable.
RootCommand root = new("Postmaster: a mail transport agent that is simple to set up")
{
    CommonOptions.Config,
    DaemonCommand.Create(),
    CheckConfigCommand.Create(),
};

ParseResult parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // One line per problem and EX_USAGE, rather than the library's exit 1 and a page of help.
    foreach (var error in parse.Errors)
        Console.Error.WriteLine($"postmaster: {error.Message}");
    Console.Error.WriteLine("Try 'postmaster --help'.");
    return ExitCodes.Usage;
}
return await parse.InvokeAsync();
