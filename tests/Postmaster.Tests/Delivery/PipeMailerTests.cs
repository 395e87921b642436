using System.Diagnostics;
using Postmaster.Delivery;
using Postmaster.Platform;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class PipeMailerTests
{
    static readonly DeliveryEnvelope Envelope = new("alice@example.org", "joe+lists@example.net", "Joe+Lists@Example.NET",
        "lists", "0KX7M2C4J1QF00", "203.0.113.7");

    static Task<DeliveryResult> Run(string command, DeliveryEnvelope? envelope = null, string message = "Subject: x\r\n\r\nbody\r\n",
        TimeSpan? timeLimit = null, SystemUser? user = null) =>
        new PipeMailer(command, user, timeLimit).DeliverAsync(DeliveryScratch.Message(message), envelope ?? Envelope, CancellationToken.None);

    [Fact]
    public async Task TheEnvelopeReachesTheCommandOnlyThroughTheEnvironment()
    {
        using var scratch = new DeliveryScratch();
        string output = scratch.File("env");

        DeliveryResult result = await Run($"env > {output}");

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        var variables = File.ReadAllLines(output).Select(line => line.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("alice@example.org", variables["SENDER"]);
        Assert.Equal("joe+lists@example.net", variables["RECIPIENT"]);
        Assert.Equal("Joe+Lists@Example.NET", variables["ORIGINAL_RECIPIENT"]);
        Assert.Equal("joe", variables["USER"]);
        Assert.Equal("lists", variables["EXTENSION"]);
        Assert.Equal("example.net", variables["DOMAIN"]);
        Assert.Equal("0KX7M2C4J1QF00", variables["QUEUE_ID"]);
        Assert.Equal("203.0.113.7", variables["CLIENT_ADDRESS"]);
        Assert.Equal("/usr/bin:/bin", variables["PATH"]);
        Assert.False(variables.ContainsKey("POSTMASTER_CONFIG"));
        Assert.False(variables.ContainsKey("HOME"));      // only for a system user
    }

    [Fact]
    public void ASystemUserAddsHomeLognameAndShell()
    {
        var user = new SystemUser("joe", 1000, 1000, "/home/joe", "/bin/bash");
        SortedDictionary<string, string> variables = PipeMailer.Environment(Envelope, user);
        Assert.Equal("joe", variables["USER"]);
        Assert.Equal("/home/joe", variables["HOME"]);
        Assert.Equal("joe", variables["LOGNAME"]);
        Assert.Equal("/bin/bash", variables["SHELL"]);
        Assert.Equal("", PipeMailer.Environment(new DeliveryEnvelope(), null)["SENDER"]);
    }

    [Fact]
    public async Task TheMessageArrivesOnStdinWithLfLineEnds()
    {
        using var scratch = new DeliveryScratch();
        string output = scratch.File("message");

        await Run($"cat > {output}", message: "Subject: x\r\n\r\nFrom me\r\nline\r\n");

        Assert.Equal("Subject: x\n\nFrom me\nline\n", File.ReadAllText(output));
    }

    [Theory]
    [InlineData("$(touch {0}/pwned)@example.org")]
    [InlineData("`touch {0}/pwned`@example.org")]
    [InlineData("x;touch {0}/pwned;@example.org")]
    [InlineData("\"x\\\"; touch {0}/pwned; rm -rf {0}/keep; #\"@example.org")]
    [InlineData("x'$(touch {0}/pwned)'@example.org")]
    public async Task AnAddressIsNeverInterpretedByTheShell(string recipientPattern)
    {
        using var scratch = new DeliveryScratch();
        string recipient = string.Format(recipientPattern, scratch.Path);
        string keep = scratch.Write("keep", "still here");
        string output = scratch.File("seen");

        DeliveryResult result = await Run($"printf '%s|%s' \"$RECIPIENT\" \"$SENDER\" > {output}",
            new DeliveryEnvelope(recipient, recipient));

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Equal($"{recipient}|{recipient}", File.ReadAllText(output));
        Assert.False(File.Exists(scratch.File("pwned")));
        Assert.True(File.Exists(keep));
    }

    [Fact]
    public async Task ExitZeroIsDelivered() =>
        Assert.Equal(DeliveryResult.Delivered("delivered to command"), await Run("cat > /dev/null"));

    [Fact]
    public async Task ExitTempfailDefersWithStderr()
    {
        DeliveryResult result = await Run("echo 'mailbox busy, try later' >&2; exit 75");
        Assert.Equal(DeliveryResult.Deferred("4.3.0", "command deferred (exit status 75): mailbox busy, try later"), result);
    }

    [Fact]
    public async Task OtherExitFailsWithTheFirstLinesOfStderrAsOneLine()
    {
        DeliveryResult result = await Run("echo 'no such folder' >&2; echo 'second line' >&2; echo ignored; exit 1");
        Assert.Equal(DeliveryResult.Failed("5.3.0", "command exited with status 1: no such folder second line"), result);
    }

    [Fact]
    public async Task StdoutIsTheDiagnosticWhenStderrIsEmpty() =>
        Assert.Equal("command exited with status 67: user unknown", (await Run("echo 'user unknown'; exit 67")).Diagnostic);

    [Fact]
    public async Task DeathBySignalDefers()
    {
        DeliveryResult result = await Run("echo dying >&2; kill -9 $$");
        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Equal("4.3.0", result.Status);
        Assert.Equal("command killed by signal 9: dying", result.Diagnostic);
    }

    [Theory]
    [InlineData(0, DeliveryOutcome.Delivered, "2.0.0")]
    [InlineData(75, DeliveryOutcome.Deferred, "4.3.0")]
    [InlineData(137, DeliveryOutcome.Deferred, "4.3.0")]    // what the shell reports for a child killed by SIGKILL
    [InlineData(143, DeliveryOutcome.Deferred, "4.3.0")]
    [InlineData(1, DeliveryOutcome.Failed, "5.3.0")]
    [InlineData(2, DeliveryOutcome.Failed, "5.3.0")]
    [InlineData(64, DeliveryOutcome.Failed, "5.3.0")]
    [InlineData(65, DeliveryOutcome.Failed, "5.6.0")]
    [InlineData(67, DeliveryOutcome.Failed, "5.1.1")]
    [InlineData(73, DeliveryOutcome.Failed, "5.2.0")]
    [InlineData(77, DeliveryOutcome.Failed, "5.7.0")]
    [InlineData(78, DeliveryOutcome.Failed, "5.3.5")]
    [InlineData(127, DeliveryOutcome.Failed, "5.3.0")]      // command not found
    public void ExitStatusesMapLikeSysexits(int exitCode, DeliveryOutcome outcome, string status)
    {
        DeliveryResult result = PipeMailer.Classify(exitCode, "");
        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(status, result.Status);
    }

    [Fact]
    public async Task TheTimeLimitKillsTheWholeProcessGroupAndDefers()
    {
        using var scratch = new DeliveryScratch();
        string pids = scratch.File("pids");
        var clock = Stopwatch.StartNew();

        // A background child and a foreground sleep: both must go.
        DeliveryResult result = await Run($"sleep 100 & echo $! > {pids}; echo $$ >> {pids}; sleep 100", timeLimit: TimeSpan.FromSeconds(1));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(DeliveryResult.Deferred("4.3.0", "command timed out after 1 s"), result);
        await Task.Delay(200);
        foreach (string pid in File.ReadAllLines(pids))
            Assert.False(IsRunning(int.Parse(pid)), $"process {pid} survived");
    }

    [Fact]
    public async Task AChattyCommandCannotBlock()
    {
        // Megabytes on both outputs while the message is still being written to it.
        DeliveryResult result = await Run("head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2; cat > /dev/null; exit 1",
            message: DeliveryScratch.LargeText(2_000_000),
            timeLimit: TimeSpan.FromSeconds(30));
        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
    }

    [Fact]
    public async Task ACommandThatDoesNotReadItsInputIsJudgedByItsExitStatus()
    {
        string message = DeliveryScratch.LargeText(1_000_000);
        Assert.Equal(DeliveryOutcome.Delivered, (await Run("exit 0", message: message)).Outcome);
        Assert.Equal(DeliveryOutcome.Deferred, (await Run("exit 75", message: message)).Outcome);
    }

    [Fact]
    public async Task ABackgroundChildHoldingTheOutputOpenDoesNotHoldTheDelivery()
    {
        var clock = Stopwatch.StartNew();
        DeliveryResult result = await Run("sleep 30 & exit 0", timeLimit: TimeSpan.FromSeconds(60));
        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task CancellationKillsTheCommand()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new PipeMailer("sleep 100").DeliverAsync(DeliveryScratch.Message("x"), Envelope, cancel.Token));
    }

    static bool IsRunning(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);
}
