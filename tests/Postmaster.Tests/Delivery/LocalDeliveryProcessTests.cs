using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Delivery;
using Postmaster.Mail;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class LocalDeliveryProcessTests
{
    static readonly DeliveryEnvelope Envelope = new("alice@example.org", "joe@example.net", QueueId: "0KX7M2C4J1QF00");

    [Fact]
    public async Task WithoutAnAgentRunsDeliverDirectlyAndReadsItsOutcome()
    {
        using var scratch = new DeliveryScratch();
        string message = scratch.Write("0KX7M2C4J1QF00.msg", "Subject: q\r\n\r\nbody\r\n");
        string deliver = FakeDeliver.Script(scratch.Path, 75, "postmaster: deliver: 4.2.2 maildir /m: write: Disk quota exceeded");
        await using LocalDeliveryProcess process = LocalDeliveryProcess.Direct(executable: deliver, timeLimit: TimeSpan.FromSeconds(5));

        DeliveryResult result = await process.DeliverAsync(message, new Target.Maildir("/m"), "somebody-else", Envelope, CancellationToken.None);

        Assert.False(process.HasAgent);
        Assert.Equal(DeliveryResult.Deferred("4.2.2", "maildir /m: write: Disk quota exceeded"), result);
        // The child reads the queued file itself: a daemon dying half-way cannot cut its input short.
        Assert.Equal("", File.ReadAllText(scratch.File("stdin")));
        string[] arguments = File.ReadAllLines(scratch.File("args"));
        Assert.Contains("--message-file=" + message, arguments);
        Assert.DoesNotContain(arguments, a => a.StartsWith("--user", StringComparison.Ordinal));   // not root: runs as us
        Assert.Contains("--time-limit=5", arguments);
    }

    [Fact]
    public async Task TakesTheEnvelopeFactsFromAQueuedRecipient()
    {
        using var scratch = new DeliveryScratch();
        string message = scratch.Write("m.msg", "x\r\n");
        var recipient = new EnvelopeRecipient(DeliveryState.Pending, Mailbox.Parse("joe+news@example.net"), Mailbox.Parse("Joe+News@Example.net"),
            "maildir(~/Maildir/)", Environment.UserName, "news");
        var envelope = new Envelope(QueueId.New(TimeProvider.System), DateTimeOffset.UnixEpoch, null,
            new ClientInfo("203.0.113.7", null, "mx.example.org", "ESMTP", null), 3, BodyType.SevenBit, [recipient]);
        await using LocalDeliveryProcess process = LocalDeliveryProcess.Direct(executable: FakeDeliver.Script(scratch.Path));

        DeliveryResult result = await process.DeliverAsync(message, envelope, recipient, new Target.Maildir("/home/joe/Maildir/"),
            CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Equal(
        [
            "deliver", "--maildir=/home/joe/Maildir/", $"--user={Environment.UserName}", "--sender=<>",
            "--recipient=joe+news@example.net", "--original-recipient=Joe+News@example.net", "--extension=news",
            $"--queue-id={envelope.Id}", "--client-address=203.0.113.7", "--time-limit=600", "--message-file=" + message,
        ], File.ReadAllLines(scratch.File("args")));
    }

    [Fact]
    public async Task AMissingMessageDefers()
    {
        await using LocalDeliveryProcess process = LocalDeliveryProcess.Direct(executable: "/bin/true");
        DeliveryResult result = await process.DeliverAsync("/nonexistent/x.msg", new Target.Maildir("/m"), null, Envelope, CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
    }

    [Fact]
    public async Task AHungDeliverIsKilledAtTheBackstop()
    {
        using var scratch = new DeliveryScratch();
        string message = scratch.Write("m.msg", "x");
        string hang = scratch.Write("hang", "#!/bin/sh\nexec sleep 100\n");
        File.SetUnixFileMode(hang, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        DeliveryResult result = await DeliverChild.RunAsync(hang, ["deliver"], File.OpenRead(message), TimeSpan.FromMilliseconds(500),
            CancellationToken.None);

        Assert.Equal(DeliveryResult.Deferred("4.3.0", "delivery process timed out after 500 ms"), result);
    }

    [Fact]
    public async Task TheAgentAnswersConcurrentRequestsById()
    {
        using var scratch = new DeliveryScratch();
        await using LocalDeliveryProcess process = LocalDeliveryProcess.StartAgent(FakeDeliver.Agent(scratch.Path), [],
            NullLogger.Instance, TimeSpan.FromSeconds(30), scratch.Path);
        Assert.True(process.HasAgent);

        Task<DeliveryResult> slow = process.DeliverAsync("/q/a.msg", new Target.Maildir("/slow/Maildir"), "joe", Envelope, CancellationToken.None);
        Task<DeliveryResult> fast = process.DeliverAsync("/q/b.msg", new Target.Mbox("/fast/mbox"), "ann", Envelope, CancellationToken.None);

        Assert.Equal("/fast/mbox", (await fast).Diagnostic);
        Assert.False(slow.IsCompleted);
        Assert.Equal("/slow/Maildir", (await slow).Diagnostic);
    }

    [Fact]
    public async Task WhenTheAgentDiesDeliveriesForUsersDefer()
    {
        using var scratch = new DeliveryScratch();
        await using LocalDeliveryProcess process = LocalDeliveryProcess.StartAgent(FakeDeliver.Agent(scratch.Path), [],
            NullLogger.Instance, TimeSpan.FromSeconds(30), scratch.Path);

        DeliveryResult first = await process.DeliverAsync("/q/a.msg", new Target.Maildir("/die"), "joe", Envelope, CancellationToken.None);
        DeliveryResult second = await process.DeliverAsync("/q/a.msg", new Target.Maildir("/fine"), "joe", Envelope, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, first.Outcome);
        Assert.Contains("delivery agent has exited", first.Diagnostic);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task PathTargetsNeverGoThroughTheAgent()
    {
        using var scratch = new DeliveryScratch();
        string message = scratch.Write("m.msg", "x\r\n");
        // The stand-in agent would answer with the target (and die on this one); a direct run starts /bin/true.
        await using LocalDeliveryProcess agent = LocalDeliveryProcess.StartAgent(FakeDeliver.Agent(scratch.Path), [],
            NullLogger.Instance, TimeSpan.FromSeconds(30), scratch.Path, directExecutable: "/bin/true");

        DeliveryResult result = await agent.DeliverAsync(message, new Target.Maildir("/die"), null, Envelope, CancellationToken.None);

        Assert.Equal(DeliveryResult.Delivered(), result);
    }
}
