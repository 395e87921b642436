using Postmaster.Delivery;
using Postmaster.Routing;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class DeliverChildTests
{
    [Fact]
    public void PassesEveryOptionAsOneWord()
    {
        List<string> arguments = DeliverChild.Arguments(new Target.Pipe("-x @file"), "joe",
            new DeliveryEnvelope("", "-r@example.net", "@evil", null, "0KX7M2C4J1QF00", "local"), TimeSpan.FromSeconds(90));

        Assert.Equal(
        [
            "deliver", "--pipe=-x @file", "--user=joe", "--sender=<>", "--recipient=-r@example.net", "--original-recipient=@evil",
            "--queue-id=0KX7M2C4J1QF00", "--client-address=local", "--time-limit=90",
        ], arguments);
        Assert.DoesNotContain(arguments, a => a.StartsWith("--sender", StringComparison.Ordinal) && a != "--sender=<>");
        Assert.Equal(["deliver", "--maildir=/m", "--time-limit=600"], DeliverChild.Arguments(new Target.Maildir("/m"), null, new DeliveryEnvelope(), TimeSpan.FromMinutes(10)));
    }

    public static TheoryData<int, string, DeliveryResult> ExitCodes => new()
    {
        { 0, "", DeliveryResult.Delivered() },
        { 75, "postmaster: deliver: 4.2.2 mbox /var/mail/joe: write: Disk quota exceeded\n", DeliveryResult.Deferred("4.2.2", "mbox /var/mail/joe: write: Disk quota exceeded") },
        { 75, "", DeliveryResult.Deferred("4.3.0", "deliver exited with status 75") },
        { 69, "postmaster: deliver: 5.1.1 command exited with status 67: no such mailbox\n", DeliveryResult.Failed("5.1.1", "command exited with status 67: no such mailbox") },
        { 69, "garbage", DeliveryResult.Failed("5.3.0", "garbage") },
        // Our own trouble never bounces: a user gone since routing, a usage bug, a failed privilege switch, a crash.
        { 67, "postmaster: deliver: 4.1.1 no such user \"joe\"\n", DeliveryResult.Deferred("4.1.1", "no such user \"joe\"") },
        { 64, "postmaster: deliver: give exactly one of --maildir, --mbox, --pipe\n", DeliveryResult.Deferred("4.3.0", "postmaster: deliver: give exactly one of --maildir, --mbox, --pipe") },
        { 70, "postmaster: deliver: 4.3.0 setuid(1000) failed\n", DeliveryResult.Deferred("4.3.0", "setuid(1000) failed") },
        { 77, "postmaster: deliver: 5.7.0 pretending to be permanent\n", DeliveryResult.Deferred("4.3.0", "pretending to be permanent") },
        { 134, "Unhandled exception. System.Exception: boom\n   at X", DeliveryResult.Deferred("4.3.0", "deliver killed by signal 6: Unhandled exception. System.Exception: boom at X") },
    };

    [Theory]
    [MemberData(nameof(ExitCodes))]
    public void ReadsTheOutcomeFromTheExitCodeAndTheErrorLine(int exitCode, string stderr, DeliveryResult expected) =>
        Assert.Equal(expected, DeliverChild.Interpret(exitCode, stderr));
}
