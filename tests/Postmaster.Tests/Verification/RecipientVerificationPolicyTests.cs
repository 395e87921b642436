using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Platform;
using Postmaster.Policy;
using Postmaster.Routing;
using Postmaster.Smtp.Client;
using Postmaster.Tests.Smtp.Client.Peers;
using Postmaster.Verification;
using Xunit;

namespace Postmaster.Tests.Verification;

/// <summary>The RCPT policy over a routing table: who is asked about, and what our client hears.</summary>
public sealed class RecipientVerificationPolicyTests
{
    sealed class Setup : IAsyncDisposable
    {
        public required AiosmtpdPeer Peer { get; init; }
        public required RouteResolver Resolver { get; init; }
        public required Settings Settings { get; init; }
        public RecipientVerifier Verifier { get; } = new(new NextHopResolver([], TimeSpan.FromSeconds(2)), null, TimeProvider.System,
            NullLogger.Instance);

        public ValueTask DisposeAsync() => Peer.DisposeAsync();

        public async Task<PolicyVerdict> RcptAsync(string recipient, Settings? settings = null)
        {
            Mailbox address = Mailbox.Parse(recipient);
            var facts = new SessionFacts(PolicyStage.Rcpt, "1", IPAddress.Loopback, null, false, true, "client.test", "ESMTP", null,
                QueueId: "Q", Sender: Mailbox.Parse("alice@example.net"), HasSender: true, Recipient: address,
                Resolution: Resolver.Resolve(address));
            return await new RecipientVerificationPolicy(Verifier, settings ?? Settings).CheckAsync(facts, CancellationToken.None);
        }

        public string[] Asked => [.. Peer.Commands().Where(c => c.StartsWith("RCPT", StringComparison.Ordinal))];
    }

    static async Task<Setup> StartAsync(string settings = "")
    {
        AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--rcpt-reply", "ghost@inside.test=550 5.1.1 <ghost@inside.test>: no such user",
            "--rcpt-reply", "grey@inside.test=451 4.7.1 greylisted");
        string text = $"hostname mx.example.org\nverify-recipients on\n{settings}\n" +
            $"@inside.test relay(127.0.0.1:{peer.EndPoint.Port})\n" +
            "alias@example.org ghost@inside.test, maildir(/var/vmail/alias/)\n" +
            "@example.org maildir(/var/vmail/$USER/)\n" +
            $"@ relay(127.0.0.1:{peer.EndPoint.Port})\n";
        var errors = new List<ConfigError>();
        PostmasterConfig config = ConfigParser.Parse(Encoding.UTF8.GetBytes(text), "test.cf", PasswdDatabase.Instance, () => "mx.example.org", errors);
        Assert.DoesNotContain(errors, e => !e.IsWarning);
        return new Setup
        {
            Peer = peer,
            Settings = config.Settings,
            Resolver = new RouteResolver(config.Routes, "mx.example.org", config.Settings.LocalMailer, PasswdDatabase.Instance),
        };
    }

    [Fact]
    public async Task RefusesWhatTheNextHopRefusesWithItsText()
    {
        await using Setup setup = await StartAsync();

        PolicyVerdict verdict = await setup.RcptAsync("ghost@inside.test");

        Assert.Equal(VerdictKind.Reject, verdict.Kind);
        Assert.Equal("550 5.1.1 <ghost@inside.test>: Recipient address rejected: 550 5.1.1 <ghost@inside.test>: no such user",
            verdict.Reply.ToString());
    }

    [Fact]
    public async Task LetsAKnownRecipientThrough()
    {
        await using Setup setup = await StartAsync();
        Assert.Equal(VerdictKind.Continue, (await setup.RcptAsync("bob@inside.test")).Kind);
        Assert.Equal(["RCPT TO:<bob@inside.test>"], setup.Asked);
    }

    [Fact]
    public async Task AsksAboutTheAddressTheRoutesRelay()
    {
        // alias@example.org goes to a mailbox here and, rewritten, to the inside server: that address is asked about.
        await using Setup setup = await StartAsync();

        PolicyVerdict verdict = await setup.RcptAsync("alias@example.org");

        Assert.Equal(VerdictKind.Reject, verdict.Kind);
        Assert.StartsWith("550 5.1.1 <alias@example.org>: Recipient address rejected: ", verdict.Reply.ToString());
        Assert.Equal(["RCPT TO:<ghost@inside.test>"], setup.Asked);
    }

    [Fact]
    public async Task AsksNothingAboutLocalMailboxesOrMailToOtherDomains()
    {
        await using Setup setup = await StartAsync();

        Assert.Equal(VerdictKind.Continue, (await setup.RcptAsync("bob@example.org")).Kind);
        Assert.Equal(VerdictKind.Continue, (await setup.RcptAsync("ghost@elsewhere.example")).Kind);   // out through @
        Assert.Empty(setup.Asked);
    }

    [Fact]
    public async Task AcceptsWhenTheNextHopCannotTellUnlessToldToDefer()
    {
        await using Setup setup = await StartAsync();

        PolicyVerdict accepted = await setup.RcptAsync("grey@inside.test");
        PolicyVerdict deferred = await setup.RcptAsync("grey@inside.test", setup.Settings with { VerifyRecipientsTempfail = VerifyTempfail.Defer });

        Assert.Equal(VerdictKind.Continue, accepted.Kind);
        Assert.Equal(VerdictKind.Defer, deferred.Kind);
        Assert.Equal("451 4.4.3 <grey@inside.test>: Recipient address cannot be verified now; try again later", deferred.Reply.ToString());
    }

    [Fact]
    public void AsksOnlyAtRcpt()
    {
        var policy = new RecipientVerificationPolicy(new RecipientVerifier(new NextHopResolver([], TimeSpan.FromSeconds(1)), null,
            TimeProvider.System, NullLogger.Instance), new Settings());
        Assert.Equal([PolicyStage.Rcpt], Enum.GetValues<PolicyStage>().Where(policy.Handles));
    }
}
