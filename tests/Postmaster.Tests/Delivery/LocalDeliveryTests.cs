using Postmaster.Delivery;
using Postmaster.Platform;
using Postmaster.Routing;
using Postmaster.Tests.Routing;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class LocalDeliveryTests
{
    static readonly DeliveryEnvelope Envelope = new("alice@example.org", "joe@example.net");

    static Task<LocalDeliveryReport> Run(LocalDeliveryRequest request, IUserDatabase users, Action<SystemUser>? dropTo = null,
        string message = "Subject: x\r\n\r\nbody\r\n") =>
        LocalDelivery.RunAsync(request, DeliveryScratch.Message(message), users, dropTo ?? (_ => Assert.Fail("no drop expected")),
            CancellationToken.None);

    [Fact]
    public async Task DeliversWithoutAUserAsWhoeverRunsIt()
    {
        using var scratch = new DeliveryScratch();
        LocalDeliveryReport report = await Run(new LocalDeliveryRequest(new Target.Maildir(scratch.File("Maildir")), Envelope),
            new FakeUserDatabase());
        Assert.Equal(new LocalDeliveryReport(0, DeliveryResult.Delivered($"delivered to maildir {scratch.File("Maildir")}")), report);
        Assert.Null(report.ErrorLine);
    }

    [Fact]
    public async Task AnUnknownUserIsExNoUser()
    {
        LocalDeliveryReport report = await Run(new LocalDeliveryRequest(new Target.Maildir("/nonexistent"), Envelope, "nobody-here"),
            new FakeUserDatabase());
        Assert.Equal(67, report.ExitCode);
        Assert.Equal("postmaster: deliver: 4.1.1 no such user \"nobody-here\"", report.ErrorLine);
    }

    [Fact]
    public async Task ExpandsTildeAndUserForTheNamedUser()
    {
        using var scratch = new DeliveryScratch();
        var me = new SystemUser("me", Libc.GetEUid(), Libc.GetEGid(), scratch.Path, "/bin/sh");   // no switch needed

        LocalDeliveryReport report = await Run(new LocalDeliveryRequest(new Target.Mbox("~/$USER.mbox"), Envelope, "me"),
            new FakeUserDatabase(me));

        Assert.Equal(0, report.ExitCode);
        Assert.StartsWith("From alice@example.org ", File.ReadAllText(scratch.File("me.mbox")));
    }

    [Fact]
    public async Task RootSwitchesToTheUserFirstAndOthersMayNot()
    {
        using var scratch = new DeliveryScratch();
        var joe = new SystemUser("joe", Libc.GetEUid() == 4242 ? 4243u : 4242u, 4242, scratch.Path, "/bin/sh");
        var switched = new List<string>();

        LocalDeliveryReport report = await Run(new LocalDeliveryRequest(new Target.Maildir("~/Maildir"), Envelope, "joe"),
            new FakeUserDatabase(joe), user => switched.Add(user.Name));

        if (Privileges.IsRoot)
        {
            Assert.Equal(["joe"], switched);
            Assert.Equal(0, report.ExitCode);
            Assert.Single(Directory.GetFiles(scratch.File("Maildir/new")));
        }
        else
        {
            Assert.Empty(switched);
            Assert.Equal(77, report.ExitCode);
            Assert.Contains("only root may deliver as another user", report.ErrorLine);
        }
    }

    [SkippableFact]
    public async Task AFailedSwitchIsExSoftwareAndDefers()
    {
        Skip.IfNot(Privileges.IsRoot, "the switch is only tried by root");
        var joe = new SystemUser("joe", 4242, 4242, "/nonexistent", "/bin/sh");
        LocalDeliveryReport report = await Run(new LocalDeliveryRequest(new Target.Maildir("/nonexistent/Maildir"), Envelope, "joe"),
            new FakeUserDatabase(joe), _ => throw new PrivilegeException("setuid(4242) failed: Operation not permitted (errno 1)"));
        Assert.Equal(70, report.ExitCode);
        Assert.Equal(DeliveryOutcome.Deferred, report.Result.Outcome);
    }

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 75", 75)]
    [InlineData("echo nope >&2; exit 1", 69)]
    public async Task ExitCodesFollowTheOutcome(string command, int exitCode)
    {
        LocalDeliveryReport report = await Run(new LocalDeliveryRequest(new Target.Pipe(command), Envelope), new FakeUserDatabase());
        Assert.Equal(exitCode, report.ExitCode);
        if (exitCode == 69)
            Assert.Equal("postmaster: deliver: 5.3.0 command exited with status 1: nope", report.ErrorLine);
    }

    [Fact]
    public async Task ARelayIsNotALocalMailer()
    {
        LocalDeliveryReport report = await Run(new LocalDeliveryRequest(new Target.Relay([]), Envelope), new FakeUserDatabase());
        Assert.Equal(64, report.ExitCode);
    }

    [Theory]
    [InlineData("<>", "")]
    [InlineData("<a@b>", "a@b")]
    [InlineData("a@b", "a@b")]
    [InlineData(null, null)]
    public void SendersMayComeInAngleBrackets(string? given, string? sender) => Assert.Equal(sender, LocalDelivery.UnbracketSender(given));

    [Fact]
    public void TheErrorLineReadsBack()
    {
        var result = DeliveryResult.Deferred("4.2.2", "mbox /var/mail/joe: write: Disk quota exceeded");
        Assert.True(LocalDelivery.TryParseErrorLine("noise\n" + new LocalDeliveryReport(75, result).ErrorLine + "\n", out string status, out string text));
        Assert.Equal((result.Status, result.Diagnostic), (status, text));
    }
}
