using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Postmaster.Config;
using Postmaster.Delivery;
using Postmaster.Smtp.Client;
using Postmaster.Logging;
using Postmaster.Platform;
using Postmaster.Queue;
using Postmaster.Routing;
using Postmaster.Spool;
using Postmaster.Submission;

namespace Postmaster.Cli;

/// <summary><c>postmaster spool run|list|show|retry|delete|bounce</c>: the queue commands of DESIGN.md §1, safe
/// while the daemon runs (<see cref="QueueRunner"/> and <see cref="QueueAdmin"/> take the same message lock).</summary>
internal static class SpoolCommand
{
    const int NoPermission = 77;    // EX_NOPERM

    static readonly Option<bool> Json = new("--json") { Description = "Print the queue as a JSON array" };
    static readonly Option<bool> All = new("--all") { Description = "Every message in the queue" };
    static readonly Argument<string> Id = new("ID") { Description = "Queue id, as spool list shows it" };
    static readonly Argument<string?> OptionalId = new("ID") { Description = "Queue id", Arity = ArgumentArity.ZeroOrOne };

    public static Command Create()
    {
        Command run = new("run", "One pass over the queue: try every message that is due, then exit (for cron)");
        run.SetAction((parse, cancellationToken) => RunQueueAsync(parse, cancellationToken));
        Command list = new("list", "Show the queue like mailq: each message with its recipients, their state and last error") { Json };
        list.SetAction((parse, _) => WithQueue(parse, (admin, _) => ListAsync(admin, parse.GetValue(Json))));
        Command show = new("show", "Show a message: envelope, delivery history and text") { Id };
        show.SetAction((parse, _) => WithMessage(parse, Id, ShowAsync));
        Command retry = new("retry", "Make a message (or --all) due now") { OptionalId, All };
        retry.SetAction((parse, cancellationToken) => RetryAsync(parse, cancellationToken));
        Command delete = new("delete", "Remove a message from the queue without telling anyone (logged)") { Id };
        delete.SetAction((parse, cancellationToken) => WithMessage(parse, Id, async (admin, id) =>
            Report(id, await admin.DeleteAsync(id, cancellationToken), "deleted")));
        Command bounce = new("bounce", "Give up on a message now: its pending recipients fail and the sender is told") { Id };
        bounce.SetAction((parse, cancellationToken) => WithMessage(parse, Id, async (admin, id) =>
            Report(id, await admin.BounceAsync(id, NoticeSender(parse), cancellationToken), "bounced: the sender is told")));

        return new Command("spool", "Queue runs and queue management") { run, list, show, retry, delete, bounce };
    }

    static Task<int> ListAsync(QueueAdmin admin, bool json)
    {
        QueueAdmin.Entry[] entries = [.. admin.List().Select(QueueAdmin.Entry.From)];
        if (json)
            Console.Out.WriteLine(JsonSerializer.Serialize(entries, QueueJsonContext.Default.EntryArray));
        else
            QueueAdminFormat.WriteList(Console.Out, entries, DateTimeOffset.UtcNow);
        return Task.FromResult(ExitCodes.Ok);
    }

    static async Task<int> ShowAsync(QueueAdmin admin, QueueId id)
    {
        if (admin.Find(id) is not { } envelope)
            return NotInQueue(id);
        QueueAdminFormat.WriteShow(Console.Out, QueueAdmin.Entry.From(envelope), DateTimeOffset.UtcNow);
        Console.Out.WriteLine($"--- message ({envelope.Size} octets) ---");
        Console.Out.Flush();
        await using Stream message = admin.OpenMessage(id);
        await using Stream output = Console.OpenStandardOutput();
        await QueueAdminFormat.CopyTextAsync(message, output, CancellationToken.None);
        return ExitCodes.Ok;
    }

    static Task<int> RetryAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        string? text = parse.GetValue(OptionalId);
        if (parse.GetValue(All) == (text is not null))
        {
            Console.Error.WriteLine("postmaster spool retry: give a queue id or --all");
            return Task.FromResult(ExitCodes.Usage);
        }
        if (text is not null)
            return WithMessage(parse, OptionalId!, async (admin, id) => Report(id, await admin.RetryAsync(id, cancellationToken), "due now"));
        return WithQueue(parse, async (admin, _) =>
        {
            (int retried, IReadOnlyList<QueueId> busy) = await admin.RetryAllAsync(cancellationToken);
            foreach (QueueId id in busy)
                Console.Out.WriteLine($"{id}: being delivered now");
            Console.Out.WriteLine($"-- {retried} message{(retried == 1 ? "" : "s")} due now");
            return ExitCodes.Ok;
        });
    }

    static int Report(QueueId id, QueueAdminResult result, string done)
    {
        switch (result)
        {
            case QueueAdminResult.Done:
                Console.Out.WriteLine($"{id}: {done}");
                return ExitCodes.Ok;
            case QueueAdminResult.Busy:
                Console.Error.WriteLine($"postmaster spool: {id} is being delivered now; try again when that attempt is over");
                return ExitCodes.TempFail;
            default:
                return NotInQueue(id);
        }
    }

    static int NotInQueue(QueueId id)
    {
        Console.Error.WriteLine($"postmaster spool: {id} is not in the queue");
        return ExitCodes.NoUser;
    }

    /// <summary>Reads the ID argument, then runs <paramref name="action"/> with the queue open.</summary>
    static Task<int> WithMessage(ParseResult parse, Argument<string> argument, Func<QueueAdmin, QueueId, Task<int>> action)
    {
        string text = parse.GetValue(argument) ?? "";
        if (!QueueId.TryParse(text.Trim().ToUpperInvariant(), out QueueId id))
        {
            Console.Error.WriteLine($"postmaster spool: \"{text}\" is not a queue id (14 letters and digits, as spool list shows)");
            return Task.FromResult(ExitCodes.Usage);
        }
        return WithQueue(parse, (admin, _) => action(admin, id));
    }

    /// <summary>Config, then the spool as its owner (root becomes the owner, so files it rewrites stay the
    /// daemon's), then <paramref name="action"/>; trouble on the way is one line and an exit code.</summary>
    static async Task<int> WithQueue(ParseResult parse, Func<QueueAdmin, Settings, Task<int>> action)
    {
        if (Load(parse) is not { } config)
            return ExitCodes.Config;
        Settings settings = config.Settings;
        string actor = Actor();     // before any privilege drop: the log names who asked
        if (BecomeSpoolOwner(settings) is { } failure)
            return failure;

        using ILoggerFactory loggers = LogSetup.Create(settings.Log);
        var spool = new SpoolDirectory(settings.Spool, TimeProvider.System, loggers.CreateLogger<SpoolDirectory>());
        var admin = new QueueAdmin(spool, TimeProvider.System, loggers.CreateLogger("spool"), actor);
        try
        {
            return await action(admin, settings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"postmaster spool: {e.Message}");
            return e is UnauthorizedAccessException ? NoPermission : ExitCodes.IoError;
        }
    }

    /// <summary><c>spool run</c>: like the daemon, the privileged delivery agent is started while still root,
    /// then the process becomes the spool's owner; silent on success (cron mails any output).</summary>
    static async Task<int> RunQueueAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (Load(parse) is not { } config)
            return ExitCodes.Config;
        Settings settings = config.Settings;
        // Under cron, stderr is mailed to the administrator on every run: there only problems are worth a line.
        using ILoggerFactory loggers = LogSetup.Create(settings.Log,
            settings.Log == LogTarget.Stderr ? Microsoft.Extensions.Logging.LogLevel.Warning : Microsoft.Extensions.Logging.LogLevel.Information);
        await using LocalDeliveryProcess local = LocalDeliveryProcess.StartAgentIfRoot(settings.Spool, loggers.CreateLogger("deliver"));
        // Read while still root (the file is 0600): smart hosts that need AUTH get it from cron runs too.
        RelayCredentials? credentials = RelayCredentialsFor(settings);
        if (BecomeSpoolOwner(settings) is { } failure)
            return failure;

        var resolver = new RouteResolver(config.Routes, settings.Hostname, settings.LocalMailer, PasswdDatabase.Instance);
        var spool = new SpoolDirectory(settings.Spool, TimeProvider.System, loggers.CreateLogger<SpoolDirectory>());
        // Disposed at the end of the run: its cached connections say QUIT.
        await using var relay = new RelayMailer(new NextHopResolver(settings.DnsServers, TimeSpan.FromSeconds(10)),
            () => new SmtpClientOptions(settings.Hostname), loggers.CreateLogger("smtp"), credentials);
        var runner = new QueueRunner(spool, new MailerDispatch(local, PasswdDatabase.Instance, relay),
            () => new RunnerConfig(settings, resolver), TimeProvider.System, loggers.CreateLogger("queue"));
        try
        {
            await runner.RunOnceAsync(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"postmaster spool: {e.Message}");
            return e is UnauthorizedAccessException ? NoPermission : ExitCodes.IoError;
        }
    }

    /// <summary>The relay-credentials file, or none: a run that cannot read it (not root, and not the file's owner)
    /// still delivers everything else, and mail for smart hosts that insist on AUTH waits for the daemon.</summary>
    static RelayCredentials? RelayCredentialsFor(Settings settings)
    {
        if (settings.RelayCredentials is not { } path)
            return null;
        if (RelayCredentials.TryLoad(path, out RelayCredentials? credentials, out var problems))
            return credentials;
        Console.Error.WriteLine($"postmaster spool: relaying without AUTH: {string.Join("; ", problems)}");
        return null;
    }

    /// <summary>The queue runner's notice writer, for <c>spool bounce</c>; the DSN it queues is delivered by the
    /// daemon (or the next <c>spool run</c>), so no delivery agent is needed here.</summary>
    static QueueAdmin.FailureNotice? NoticeSender(ParseResult parse)
    {
        if (Load(parse) is not { } config)
            return null;
        Settings settings = config.Settings;
        var resolver = new RouteResolver(config.Routes, settings.Hostname, settings.LocalMailer, PasswdDatabase.Instance);
        var spool = new SpoolDirectory(settings.Spool, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SpoolDirectory>.Instance);
        var runner = new QueueRunner(spool, new MailerDispatch(LocalDeliveryProcess.Direct(), PasswdDatabase.Instance),
            () => new RunnerConfig(settings, resolver), TimeProvider.System, LogSetup.Create(settings.Log).CreateLogger("queue"));
        return runner.SendFailureNoticeAsync;
    }

    static PostmasterConfig? Load(ParseResult parse) =>
        ConfigFile.Load(parse.GetRequiredValue(CommonOptions.Config), showWarnings: false);

    /// <summary>null when this process may now work on the spool; else the exit code, the reason printed.</summary>
    static int? BecomeSpoolOwner(Settings settings)
    {
        try
        {
            if (SpoolOwner.TryBecomeOwner(settings.Spool, out string? problem))
                return null;
            Console.Error.WriteLine($"postmaster spool: {problem}");
            return Directory.Exists(Path.Combine(settings.Spool, "queue")) ? NoPermission : ExitCodes.NoInput;
        }
        catch (PrivilegeException e)
        {
            Console.Error.WriteLine($"postmaster spool: {e.Message}");
            return ExitCodes.Software;
        }
    }

    /// <summary><c>uid=0(root)</c>, plus <c>sudo=alice</c> when sudo says who ran it.</summary>
    static string Actor()
    {
        Submitter who = Submitter.Current();
        string? sudo = Environment.GetEnvironmentVariable("SUDO_USER");
        return $"uid={who.Uid}({who.UserName})" + (string.IsNullOrEmpty(sudo) ? "" : $" sudo={sudo}");
    }
}
