using System.CommandLine;
using System.Globalization;
using Postmaster.Delivery;
using Postmaster.Platform;
using Postmaster.Routing;

namespace Postmaster.Cli;

/// <summary><c>postmaster deliver</c>: the local delivery agent. The message on stdin goes into a Maildir, an
/// mbox or a command, optionally as another user; the exit code follows sysexits (0, 75 deferred, 69 failed,
/// 67 no such user, 64 usage, 77 --user without root). Usable on its own like an LDA (procmail, fetchmail).
/// <c>--agent</c> is the privileged helper the daemon starts as root (<see cref="DeliveryAgent"/>).</summary>
internal static class DeliverCommand
{
    static readonly Option<string> Maildir = new("--maildir") { Description = "Deliver into this Maildir (created when missing)", HelpName = "DIR" };
    static readonly Option<string> Mbox = new("--mbox") { Description = "Append to this mbox file (fcntl and dot-lock)", HelpName = "FILE" };
    static readonly Option<string> Pipe = new("--pipe") { Description = "Run this command with /bin/sh -c, the message on stdin", HelpName = "COMMAND" };
    static readonly Option<string> User = new("--user") { Description = "Deliver as this user; ~ and $USER in paths are theirs (root only)", HelpName = "NAME" };
    static readonly Option<string> Sender = new("--sender", "-f") { Description = "Envelope sender (<> for none)", HelpName = "ADDR" };
    static readonly Option<string> Recipient = new("--recipient") { Description = "Envelope recipient", HelpName = "ADDR" };
    static readonly Option<string> OriginalRecipient = new("--original-recipient") { Description = "The recipient as given in RCPT TO", HelpName = "ADDR" };
    static readonly Option<string> Extension = new("--extension") { Description = "Address extension (joe+EXT)", HelpName = "EXT" };
    static readonly Option<string> QueueId = new("--queue-id") { Description = "Queue id, for the command's environment", HelpName = "ID" };
    static readonly Option<string> ClientAddress = new("--client-address") { Description = "The sending client's IP address", HelpName = "IP" };
    static readonly Option<double> TimeLimit = new("--time-limit")
    {
        Description = "Seconds a --pipe command may run (default 600)", HelpName = "SECONDS",
        DefaultValueFactory = _ => PipeMailer.DefaultTimeLimit.TotalSeconds,
    };
    static readonly Option<string> MessageFile = new("--message-file")
    {
        Description = "Read the message from this file instead of stdin (opened before any change of user)", HelpName = "FILE",
    };
    static readonly Option<bool> Agent = new("--agent") { Description = "Serve the daemon's delivery requests on stdin (as root)", Hidden = true };
    static readonly Option<string> Spool = new("--spool") { Description = "The spool the agent serves", Hidden = true };

    public static Command Create()
    {
        Command command = new("deliver", "Deliver the message on stdin into a Maildir, an mbox or a command (a local delivery agent)")
        {
            Maildir, Mbox, Pipe, User, Sender, Recipient, OriginalRecipient, Extension, QueueId, ClientAddress, TimeLimit,
            MessageFile, Agent, Spool,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, cancellationToken));
        return command;
    }

    static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (parse.GetValue(Agent))
            return await RunAgentAsync(parse.GetValue(Spool), cancellationToken);

        Target[] mailers = [.. new Target?[]
        {
            parse.GetValue(Maildir) is { } maildir ? new Target.Maildir(maildir) : null,
            parse.GetValue(Mbox) is { } mbox ? new Target.Mbox(mbox) : null,
            parse.GetValue(Pipe) is { } pipe ? new Target.Pipe(pipe) : null,
        }.OfType<Target>()];
        double seconds = parse.GetValue(TimeLimit);
        if (mailers.Length != 1 || mailers[0] is Target.Pipe { Command: var command } && string.IsNullOrWhiteSpace(command) || !(seconds > 0 && seconds <= 86400))
            return Usage(mailers.Length != 1 ? "give exactly one of --maildir, --mbox, --pipe" : "bad --pipe or --time-limit");

        var envelope = new DeliveryEnvelope(LocalDelivery.UnbracketSender(parse.GetValue(Sender)), parse.GetValue(Recipient),
            parse.GetValue(OriginalRecipient), parse.GetValue(Extension), parse.GetValue(QueueId), parse.GetValue(ClientAddress));
        var request = new LocalDeliveryRequest(mailers[0], envelope, parse.GetValue(User)) { TimeLimit = TimeSpan.FromSeconds(seconds) };
        Stream input;
        try
        {
            input = parse.GetValue(MessageFile) is { } file
                ? new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024)
                : Console.OpenStandardInput();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"postmaster: deliver: 4.3.0 cannot read the message: {e.Message}");
            return ExitCodes.TempFail;
        }
        await using Stream message = input;
        LocalDeliveryReport report = await LocalDelivery.RunAsync(request, message, cancellationToken);
        if (report.ErrorLine is { } line)
            Console.Error.WriteLine(line);
        return report.ExitCode;
    }

    static async Task<int> RunAgentAsync(string? spool, CancellationToken cancellationToken)
    {
        if (spool is null)
            return Usage("--agent needs --spool DIR");
        if (!Privileges.IsRoot)
        {
            Console.Error.WriteLine("postmaster: deliver --agent: must run as root (the daemon starts it before dropping privileges)");
            return ExitCodes.NoPermission;
        }
        using var input = new StreamReader(Console.OpenStandardInput());
        await using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        var agent = new DeliveryAgent(spool, Environment.ProcessPath!, PasswdDatabase.Instance, Console.Error);
        return await agent.RunAsync(input, output, cancellationToken);
    }

    static int Usage(string problem)
    {
        Console.Error.WriteLine($"postmaster: deliver: {problem}");
        Console.Error.WriteLine("Try 'postmaster deliver --help'.");
        return ExitCodes.Usage;
    }
}
