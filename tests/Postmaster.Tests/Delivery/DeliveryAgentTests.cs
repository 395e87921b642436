using Postmaster.Delivery;
using Postmaster.Platform;
using Postmaster.Routing;
using Postmaster.Tests.Routing;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class DeliveryAgentTests
{
    const string Id = "0KX7M2C4J1QF00";
    static readonly SystemUser Joe = new("joe", 4242, 4242, "/home/joe", "/bin/sh");
    static readonly SystemUser Toor = new("toor", 0, 0, "/root", "/bin/sh");

    sealed class Setup : IDisposable
    {
        public readonly DeliveryScratch Scratch = new();
        public readonly StringWriter Log = new();
        public readonly DeliveryAgent Agent;

        public Setup(int exitCode = 0, string stderr = "")
        {
            Directory.CreateDirectory(Scratch.File("spool/queue"));
            File.WriteAllText(MessagePath, "Subject: queued\r\n\r\nbody\r\n");
            Agent = new DeliveryAgent(Scratch.File("spool"), FakeDeliver.Script(Scratch.Path, exitCode, stderr), new FakeUserDatabase(Joe, Toor), Log);
        }

        public string MessagePath => Scratch.File($"spool/queue/{Id}.msg");

        public string Line(string? message = null, string user = "joe", string mailer = "maildir", string target = "/home/joe/Maildir/") =>
            AgentProtocol.FormatRequest(new AgentRequest(5, message ?? MessagePath, mailer switch
            {
                "maildir" => new Target.Maildir(target),
                "mbox" => new Target.Mbox(target),
                _ => new Target.Pipe(target),
            }, user, new DeliveryEnvelope("alice@example.org", "joe@example.net"), TimeSpan.FromSeconds(30)));

        public async Task<DeliveryResult> Handle(string line)
        {
            (long id, DeliveryResult result) = await Agent.HandleAsync(line, CancellationToken.None);
            Assert.Equal(5, id);
            return result;
        }

        public void Dispose() => Scratch.Dispose();
    }

    [Fact]
    public async Task RunsDeliverAsTheUserWithTheQueuedMessageOnStdin()
    {
        using var setup = new Setup();

        DeliveryResult result = await setup.Handle(setup.Line());

        Assert.Equal(DeliveryResult.Delivered(), result);
        Assert.Equal("Subject: queued\r\n\r\nbody\r\n", File.ReadAllText(setup.Scratch.File("stdin")));    // unchanged: deliver converts
        string[] arguments = File.ReadAllLines(setup.Scratch.File("args"));
        Assert.Equal(["deliver", "--maildir=/home/joe/Maildir/", "--user=joe", "--sender=<alice@example.org>"], arguments[..4]);
    }

    [Fact]
    public async Task PassesTheChildsOutcomeBack()
    {
        using var setup = new Setup(75, "postmaster: deliver: 4.2.2 mbox /var/mail/joe: write: Disk quota exceeded");
        Assert.Equal(DeliveryResult.Deferred("4.2.2", "mbox /var/mail/joe: write: Disk quota exceeded"),
            await setup.Handle(setup.Line(mailer: "mbox", target: "/var/mail/joe")));
    }

    [Theory]
    [InlineData("toor", "/home/joe/Maildir/", "will deliver as root only into a mailbox under")]
    [InlineData("nobody-here", "/home/joe/Maildir/", "no such user")]
    [InlineData("joe", "Maildir/", "the path must be absolute")]
    public async Task RefusesRequestsItMustNotServe(string user, string target, string reason)
    {
        using var setup = new Setup();
        DeliveryResult result = await setup.Handle(setup.Line(user: user, target: target));
        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Contains(reason, result.Diagnostic);
        Assert.False(File.Exists(setup.Scratch.File("args")));       // nothing was started
        Assert.Contains("refused request 5", setup.Log.ToString());
    }

    [Theory]
    [InlineData("/etc/shadow")]
    [InlineData("{spool}/queue/../../x/" + Id + ".msg")]
    [InlineData("{spool}/tmp/" + Id + ".msg")]
    [InlineData("{spool}/queue/" + Id + ".env")]
    [InlineData("{spool}/queue/not-a-queue-id.msg")]
    [InlineData("queue/" + Id + ".msg")]
    public async Task OnlyMessagesInItsOwnQueueDirectory(string path)
    {
        using var setup = new Setup();
        DeliveryResult result = await setup.Handle(setup.Line(message: path.Replace("{spool}", setup.Scratch.File("spool"))));
        Assert.Equal(DeliveryOutcome.Deferred, result.Outcome);
        Assert.Contains("is not a message in", result.Diagnostic);
        Assert.False(File.Exists(setup.Scratch.File("args")));
    }

    [Fact]
    public async Task NeverFollowsASymbolicLinkOrAHardLinkInTheQueue()
    {
        using var setup = new Setup();
        string secret = setup.Scratch.Write("secret", "root only\n");
        File.Delete(setup.MessagePath);
        File.CreateSymbolicLink(setup.MessagePath, secret);
        Assert.Contains("cannot open", (await setup.Handle(setup.Line())).Diagnostic);

        File.Delete(setup.MessagePath);
        Assert.Equal(0, DeliveryScratch.Run("ln", secret, setup.MessagePath));
        Assert.Contains("2 links", (await setup.Handle(setup.Line())).Diagnostic);
        Assert.False(File.Exists(setup.Scratch.File("args")));
    }

    [Fact]
    public async Task AnswersABadLineWithoutStopping()
    {
        using var setup = new Setup();
        var output = new StringWriter();
        string input = "id=9 nonsense\n" + "garbage\n" + setup.Line() + "\n";

        int exitCode = await setup.Agent.RunAsync(new StringReader(input), output, CancellationToken.None);

        Assert.Equal(0, exitCode);
        string[] answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, answers.Length);
        Assert.Contains("id=5 outcome=delivered status=2.0.0 diagnostic=delivered", answers);
        Assert.Contains(answers, a => a.StartsWith("id=0 outcome=deferred status=4.3.0 diagnostic=delivery%20agent:%20bad%20request", StringComparison.Ordinal));
    }
}
