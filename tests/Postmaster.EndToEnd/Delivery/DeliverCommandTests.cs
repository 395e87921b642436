using System.Diagnostics;
using System.Text.RegularExpressions;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Delivery;

/// <summary><c>postmaster deliver</c> used on its own like an LDA, through the real binary: message on stdin,
/// sysexits exit codes, one line on stderr saying why.</summary>
public sealed partial class DeliverCommandTests
{
    const string Message = "Subject: hello\r\nFrom: alice@example.org\r\n\r\nFrom the top\r\n>From quoted\r\nbody\r\n";

    [GeneratedRegex(@"^From alice@example\.org (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}$")]
    private static partial Regex FromLine();

    /// <param name="message">null for runs that end before reading stdin (writing to a process that is gone
    /// would fail the test, not the binary).</param>
    static Task<ProcessResult> Deliver(string? message, params string[] arguments) =>
        PostmasterBinary.RunAsync(["deliver", .. arguments], environment: null, standardInput: message);

    [Fact]
    public async Task DeliversIntoAMaildir()
    {
        using var scratch = new TempDirectory();
        string maildir = scratch.File("Maildir");

        ProcessResult result = await Deliver(Message, "--maildir", maildir, "--sender", "<alice@example.org>");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StandardError);
        string file = Assert.Single(Directory.GetFiles(Path.Combine(maildir, "new")));
        Assert.Equal("Return-Path: <alice@example.org>\nSubject: hello\nFrom: alice@example.org\n\nFrom the top\n>From quoted\nbody\n",
            File.ReadAllText(file));
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "cur")));
    }

    [Fact]
    public async Task AppendsToAnMbox()
    {
        using var scratch = new TempDirectory();
        string mbox = scratch.File("inbox");

        ProcessResult first = await Deliver(Message, "--mbox", mbox, "--sender", "alice@example.org");
        ProcessResult second = await Deliver("Subject: second\r\n\r\nlast line without end", "--mbox", mbox, "-f", "<>");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        string[] lines = File.ReadAllText(mbox).Split('\n');
        Assert.Matches(FromLine(), lines[0]);
        Assert.Equal(["Return-Path: <alice@example.org>", "Subject: hello", "From: alice@example.org", "", ">From the top",
            ">>From quoted", "body", ""], lines[1..9]);
        Assert.StartsWith("From MAILER-DAEMON ", lines[9]);
        Assert.Equal(["Return-Path: <>", "Subject: second", "", "last line without end", "", ""], lines[10..]);
        Assert.False(File.Exists(mbox + ".lock"));
    }

    [Fact]
    public async Task RunsProcmailAsAPipe()
    {
        using var scratch = new TempDirectory();
        string rcfile = scratch.Write("procmailrc", $"""
            SHELL=/bin/sh
            LOGFILE={scratch.File("procmail.log")}
            :0
            * ^Subject:.*hello
            {scratch.File("hello.mbox")}
            :0
            {scratch.File("other.mbox")}

            """);

        ProcessResult result = await Deliver(Message, "--pipe", $"/usr/bin/procmail -m {rcfile}", "--sender", "alice@example.org");

        Assert.True(result.ExitCode == 0, result.ToString());
        string delivered = File.ReadAllText(scratch.File("hello.mbox"));
        Assert.Contains("Subject: hello\nFrom: alice@example.org\n\n", delivered);     // LF line ends reached procmail
        Assert.Contains("\nbody\n", delivered);
        Assert.False(File.Exists(scratch.File("other.mbox")));
    }

    [Fact]
    public async Task GivesACommandTheEnvelopeInItsEnvironment()
    {
        using var scratch = new TempDirectory();
        string output = scratch.File("env");

        ProcessResult result = await Deliver(Message, "--pipe", $"env > {output}", "--sender=alice@example.org",
            "--recipient=joe+lists@example.net", "--original-recipient=Joe+Lists@example.net", "--extension=lists",
            "--queue-id=0KX7M2C4J1QF00", "--client-address=203.0.113.7");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] environment = File.ReadAllLines(output);
        foreach (string expected in new[]
        {
            "SENDER=alice@example.org", "RECIPIENT=joe+lists@example.net", "ORIGINAL_RECIPIENT=Joe+Lists@example.net",
            "USER=joe", "EXTENSION=lists", "DOMAIN=example.net", "QUEUE_ID=0KX7M2C4J1QF00", "CLIENT_ADDRESS=203.0.113.7",
            "PATH=/usr/bin:/bin",
        })
            Assert.Contains(expected, environment);
    }

    [Fact]
    public async Task NeverLetsTheShellInterpretAnAddress()
    {
        using var scratch = new TempDirectory();
        string recipient = $"$(touch {scratch.File("pwned")});touch {scratch.File("pwned2")}@example.org";

        ProcessResult result = await Deliver(Message, "--pipe", $"printf '%s' \"$RECIPIENT\" > {scratch.File("seen")}", "--recipient=" + recipient);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(recipient, File.ReadAllText(scratch.File("seen")));
        Assert.False(File.Exists(scratch.File("pwned")));
        Assert.False(File.Exists(scratch.File("pwned2")));
    }

    [Theory]
    [InlineData("exit 75", 75, "postmaster: deliver: 4.3.0 command deferred (exit status 75)")]
    [InlineData("echo 'no such folder' >&2; exit 1", 69, "postmaster: deliver: 5.3.0 command exited with status 1: no such folder")]
    [InlineData("echo 'unknown user' >&2; exit 67", 69, "postmaster: deliver: 5.1.1 command exited with status 67: unknown user")]
    [InlineData("kill -TERM $$", 75, "postmaster: deliver: 4.3.0 command killed by signal 15")]
    public async Task MapsTheCommandsExitStatus(string command, int exitCode, string line)
    {
        ProcessResult result = await Deliver(Message, "--pipe", command);
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Equal([line], result.ErrorLines);
    }

    [Fact]
    public async Task KillsACommandAtItsTimeLimitAndDefers()
    {
        var clock = Stopwatch.StartNew();
        ProcessResult result = await Deliver(Message, "--pipe", "sleep 100", "--time-limit", "1");
        Assert.True(result.ExitCode == 75, result.ToString());
        Assert.Equal(["postmaster: deliver: 4.3.0 command timed out after 1 s"], result.ErrorLines);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AnUnwritableTargetDefers()
    {
        using var scratch = new TempDirectory();
        string file = scratch.Write("plain-file", "x");

        ProcessResult result = await Deliver(null, "--maildir", Path.Combine(file, "Maildir"));

        Assert.True(result.ExitCode == 75, result.ToString());
        Assert.Matches("^postmaster: deliver: 4\\.2\\.0 maildir .*: cannot create .*: Not a directory$", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("")]
    [InlineData("--maildir /tmp/a --mbox /tmp/b")]
    [InlineData("--pipe true --time-limit 0")]
    [InlineData("--maildir")]
    [InlineData("--agent")]
    public async Task RejectsBadUsageWith64(string arguments)
    {
        ProcessResult result = await Deliver(null, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.StartsWith("postmaster: ", result.ErrorLines[0]);
    }

    [Fact]
    public async Task AnUnknownUserIs67()
    {
        ProcessResult result = await Deliver(null, "--maildir", "~/Maildir", "--user", "no-such-user-here");
        Assert.True(result.ExitCode == 67, result.ToString());
        Assert.Equal(["postmaster: deliver: 4.1.1 no such user \"no-such-user-here\""], result.ErrorLines);
    }
}
