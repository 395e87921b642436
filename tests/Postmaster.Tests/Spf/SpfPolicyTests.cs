using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Policy;
using Postmaster.Spf;
using Xunit;

namespace Postmaster.Tests.Spf;

/// <summary>The <c>spf</c> setting's policy at MAIL FROM, against the real libspf2 and a real dnsmasq.</summary>
public sealed class SpfPolicyTests(SpfDnsmasq dnsmasq) : IClassFixture<SpfDnsmasq>
{
    const string Receiver = "mx.receiver.test";

    SpfPolicy Policy(SpfMode mode) => new(mode, new SpfEvaluator([dnsmasq.EndPoint], Receiver), NullLogger.Instance);

    static SessionFacts Mail(string client, string? sender, string? helo = "client", bool trusted = false) =>
        new(PolicyStage.Mail, "s1", IPAddress.Parse(client), null, IsLocal: false, IsTrusted: trusted, helo, "ESMTP", null,
            QueueId: "Q1", Sender: sender is null ? null : Mailbox.Parse(sender), HasSender: true);

    [Fact]
    public async Task TagAddsAReceivedSpfFieldAndRefusesNothing()
    {
        PolicyVerdict verdict = await Policy(SpfMode.Tag).CheckAsync(Mail("198.51.100.9", "alice@fail.test"), CancellationToken.None);

        Assert.Equal(VerdictKind.Continue, verdict.Kind);
        Assert.Equal(
            "Received-SPF: fail (mx.receiver.test: domain of alice@fail.test does not designate 198.51.100.9 as permitted sender)\n" +
            "client-ip=198.51.100.9; envelope-from=\"alice@fail.test\"; helo=client;\n" +
            "receiver=mx.receiver.test; identity=mailfrom",
            Assert.Single(verdict.Headers));
    }

    [Fact]
    public async Task RejectRefusesAFailWith550_5_7_23()
    {
        PolicyVerdict verdict = await Policy(SpfMode.Reject).CheckAsync(Mail("198.51.100.9", "alice@pass.test"), CancellationToken.None);

        Assert.Equal(VerdictKind.Reject, verdict.Kind);
        Assert.Equal(550, verdict.Reply.Code);
        Assert.Equal("5.7.23", verdict.Reply.Status);
        Assert.Equal("SPF check failed: domain of alice@pass.test does not designate 198.51.100.9 as permitted sender", verdict.Reply.Text);
    }

    [Fact]
    public async Task RejectDefersATempErrorWith451_4_7_24()
    {
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var policy = new SpfPolicy(SpfMode.Reject, new SpfEvaluator([(IPEndPoint)silent.LocalEndPoint!], Receiver),
            NullLogger.Instance, TimeSpan.FromSeconds(1));

        PolicyVerdict verdict = await policy.CheckAsync(Mail("192.0.2.2", "alice@pass.test"), CancellationToken.None);

        Assert.Equal(VerdictKind.Defer, verdict.Kind);
        Assert.Equal((short)451, verdict.Reply.Code);
        Assert.Equal("4.7.24", verdict.Reply.Status);
    }

    [Theory]
    [InlineData("alice@softfail.test", "softfail")]
    [InlineData("alice@neutral.test", "neutral")]
    [InlineData("alice@nospf.test", "none")]
    [InlineData("alice@broken.test", "permerror")]
    [InlineData("alice@pass.test", "pass")]
    public async Task RejectOnlyTagsEverythingButFailAndTempError(string sender, string result)
    {
        PolicyVerdict verdict = await Policy(SpfMode.Reject).CheckAsync(Mail("192.0.2.2", sender), CancellationToken.None);

        Assert.Equal(VerdictKind.Continue, verdict.Kind);
        Assert.StartsWith($"Received-SPF: {result} (", Assert.Single(verdict.Headers));
    }

    [Fact]
    public async Task TrustedClientsAreNotChecked()
    {
        PolicyVerdict verdict = await Policy(SpfMode.Reject).CheckAsync(Mail("198.51.100.9", "alice@fail.test", trusted: true), CancellationToken.None);

        Assert.Equal(PolicyVerdict.Continue, verdict);
    }

    [Fact]
    public async Task AFailingHeloDecidesBeforeTheSender()
    {
        PolicyVerdict verdict = await Policy(SpfMode.Reject).CheckAsync(Mail("192.0.2.2", "alice@pass.test", "bad.helo.test"), CancellationToken.None);

        Assert.Equal(VerdictKind.Reject, verdict.Kind);
        Assert.Contains("domain of bad.helo.test", verdict.Reply.Text);
    }

    [Fact]
    public async Task BothIdentitiesAreTaggedWhenTheHeloDoesNotFail()
    {
        PolicyVerdict verdict = await Policy(SpfMode.Tag).CheckAsync(Mail("192.0.2.2", "alice@softfail.test", "mail.helo.test"), CancellationToken.None);

        Assert.Collection(verdict.Headers,
            helo => Assert.Matches(@"^Received-SPF: pass \(.*domain of mail\.helo\.test designates.*identity=helo$", helo.Replace("\n", " ")),
            mailFrom => Assert.Matches(@"^Received-SPF: softfail .*identity=mailfrom$", mailFrom.Replace("\n", " ")));
    }

    [Fact]
    public async Task TheNullSenderIsCheckedOnceThroughTheHelo()
    {
        PolicyVerdict verdict = await Policy(SpfMode.Reject).CheckAsync(Mail("198.51.100.9", null, "mail.helo.test"), CancellationToken.None);

        Assert.Equal(VerdictKind.Reject, verdict.Kind);
        Assert.Contains("domain of mail.helo.test does not designate 198.51.100.9", verdict.Reply.Text);
    }

    [Fact]
    public async Task ANullSenderWithABareHeloIsNone()
    {
        PolicyVerdict verdict = await Policy(SpfMode.Reject).CheckAsync(Mail("198.51.100.9", null, "[198.51.100.9]"), CancellationToken.None);

        Assert.Equal(
            "Received-SPF: none (mx.receiver.test: no domain name to check in \"[198.51.100.9]\")\n" +
            "client-ip=198.51.100.9; helo=\"[198.51.100.9]\";\nreceiver=mx.receiver.test; identity=mailfrom",
            Assert.Single(verdict.Headers));
    }

    [Fact]
    public void IsAskedAtMailFromOnly()
    {
        SpfPolicy policy = Policy(SpfMode.Tag);

        Assert.Equal("spf", policy.Name);
        Assert.Equal([PolicyStage.Mail], Enum.GetValues<PolicyStage>().Where(policy.Handles));
    }
}
