using System.Diagnostics;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Delivery;

/// <summary>Deliveries for a system user run as that user: <c>deliver --user</c> and the privileged
/// <c>deliver --agent</c> the daemon starts as root. Root only (the suite runs as root in CI).</summary>
public sealed class DeliverAsUserTests(SystemUserFixture user) : IClassFixture<SystemUserFixture>
{
    const string Message = "Subject: for you\r\n\r\nbody\r\n";
    const string QueueId = "0KX7M2C4J1QF00";

    static Task<ProcessResult> Deliver(params string[] arguments) =>
        PostmasterBinary.RunAsync(["deliver", .. arguments], environment: null, standardInput: Message);

    /// <summary>For runs that end before reading stdin (writing to a process that is gone would fail the test).</summary>
    static Task<ProcessResult> DeliverNothing(params string[] arguments) =>
        PostmasterBinary.RunAsync(["deliver", .. arguments], environment: null, standardInput: null);

    [SkippableFact]
    public async Task AMaildirInTheUsersHomeBelongsToTheUser()
    {
        Skip.IfNot(user.IsRoot, "needs root to switch users");

        ProcessResult result = await Deliver("--user", user.Name, "--maildir", "~/Maildir/", "--sender", "alice@example.org");

        Assert.True(result.ExitCode == 0, result.ToString());
        string maildir = Path.Combine(user.Home, "Maildir");
        string file = Assert.Single(Directory.GetFiles(Path.Combine(maildir, "new")));
        Assert.Equal((user.Uid, user.Gid), SystemUserFixture.OwnerOf(file));
        Assert.Equal((user.Uid, user.Gid), SystemUserFixture.OwnerOf(maildir));
        Assert.Equal("Return-Path: <alice@example.org>\nSubject: for you\n\nbody\n", File.ReadAllText(file));
    }

    [SkippableFact]
    public async Task AnMboxNamedWithDollarUserBelongsToTheUser()
    {
        Skip.IfNot(user.IsRoot, "needs root to switch users");

        ProcessResult result = await Deliver("--user", user.Name, "--mbox", "~/$USER.mbox");

        Assert.True(result.ExitCode == 0, result.ToString());
        string mbox = Path.Combine(user.Home, user.Name + ".mbox");
        Assert.Equal((user.Uid, user.Gid), SystemUserFixture.OwnerOf(mbox));
        Assert.StartsWith("From MAILER-DAEMON ", File.ReadAllText(mbox));
    }

    [SkippableFact]
    public async Task ACommandRunsAsTheUserInTheirHome()
    {
        Skip.IfNot(user.IsRoot, "needs root to switch users");
        string output = Path.Combine(user.Home, "who");

        ProcessResult result = await Deliver("--user", user.Name, "--pipe", "echo \"$(id -u) $(id -g) $(id -G) $USER $LOGNAME $HOME $(pwd)\" > who");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{user.Uid} {user.Gid} {user.Gid} {user.Name} {user.Name} {user.Home} {user.Home}", File.ReadAllText(output).Trim());
        Assert.Equal((user.Uid, user.Gid), SystemUserFixture.OwnerOf(output));
    }

    [SkippableFact]
    public async Task TheUserCannotWriteWhereOnlyRootCan()
    {
        Skip.IfNot(user.IsRoot, "needs root to switch users");
        using var scratch = new TempDirectory();     // mode 0700, owned by root

        ProcessResult result = await DeliverNothing("--user", user.Name, "--maildir", scratch.File("Maildir"));

        Assert.True(result.ExitCode == 75, result.ToString());
        Assert.Contains("Permission denied", result.StandardError);
        Assert.False(Directory.Exists(scratch.File("Maildir")));
    }

    [SkippableFact]
    public async Task TheAgentDeliversQueuedMessagesAsTheUserAndRefusesTheRest()
    {
        Skip.IfNot(user.IsRoot, "needs root to run the agent");
        using var spool = new TempDirectory();
        Directory.CreateDirectory(spool.File("queue"));
        string message = spool.Write($"queue/{QueueId}.msg", Message);
        string maildir = Path.Combine(user.Home, "AgentMaildir");

        var start = new ProcessStartInfo(PostmasterBinary.Path)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string argument in new[] { "deliver", "--agent", "--spool", spool.Path })
            start.ArgumentList.Add(argument);
        using Process agent = Process.Start(start)!;
        Task<string> errors = agent.StandardError.ReadToEndAsync();

        async Task<string> Ask(string line)
        {
            await agent.StandardInput.WriteLineAsync(line);
            await agent.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await agent.StandardOutput.ReadLineAsync(timeout.Token) ?? "(agent closed its output)";
        }

        string delivered = await Ask($"id=1 message={message} mailer=maildir target={maildir}/ user={user.Name} " +
            $"sender=alice@example.org recipient={user.Name}@example.net queue-id={QueueId} time-limit=30");
        // Root gets its own mailbox under its home and nothing else: not a command, not a file elsewhere.
        string asRoot = await Ask($"id=2 message={message} mailer=maildir target={maildir}/ user=root");
        string notQueued = await Ask($"id=3 message=/etc/shadow mailer=maildir target={maildir}/ user={user.Name}");
        agent.StandardInput.Close();
        await agent.WaitForExitAsync();

        Assert.Equal("id=1 outcome=delivered status=2.0.0 diagnostic=delivered", delivered);
        string file = Assert.Single(Directory.GetFiles(Path.Combine(maildir, "new")));
        Assert.Equal((user.Uid, user.Gid), SystemUserFixture.OwnerOf(file));
        Assert.Equal($"Return-Path: <alice@example.org>\nSubject: for you\n\nbody\n", File.ReadAllText(file));

        Assert.StartsWith("id=2 outcome=deferred status=4.3.0 diagnostic=will%20deliver%20as%20root%20only%20into%20a%20mailbox%20under%20/root", asRoot);
        Assert.StartsWith("id=3 outcome=deferred status=4.3.0 diagnostic=/etc/shadow%20is%20not%20a%20message%20in", notQueued);
        Assert.Equal(0, agent.ExitCode);
        Assert.Contains("refused request 2", await errors);
    }
}
