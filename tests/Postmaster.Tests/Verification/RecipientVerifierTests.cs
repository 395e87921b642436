using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Routing;
using Postmaster.Smtp.Client;
using Postmaster.Tests.Dns;
using Postmaster.Tests.Smtp.Client.Peers;
using Postmaster.Verification;
using Xunit;

namespace Postmaster.Tests.Verification;

/// <summary>Questions to real next hops (aiosmtpd, scripted peers that stall or dawdle), the cache and the limits.</summary>
public sealed class RecipientVerifierTests(Dnsmasq dns) : IClassFixture<Dnsmasq>
{
    static readonly Settings Settings = new() { Hostname = "mx.example.org" };

    RecipientVerifier Verifier(TimeProvider? time = null, int maxProbes = 20, TimeSpan? timeLimit = null) =>
        new(new NextHopResolver([dns.EndPoint], TimeSpan.FromSeconds(2)), null, time ?? TimeProvider.System, NullLogger.Instance,
            maxProbes, timeLimit);

    static Target.Relay To(IPEndPoint endPoint) => new([new RelayHost("127.0.0.1", endPoint.Port)]);

    static Task<VerificationResult> AskAsync(RecipientVerifier verifier, IPEndPoint endPoint, string recipient, Settings? settings = null) =>
        verifier.VerifyAsync(To(endPoint), Mailbox.Parse(recipient), settings ?? Settings, CancellationToken.None);

    static string[] Rcpts(AiosmtpdPeer peer) => [.. peer.Commands().Where(c => c.StartsWith("RCPT", StringComparison.Ordinal))];

    [Fact]
    public async Task TakesTheNextHopsYesAndNoWithoutEverSendingAMessage()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--rcpt-reply", "ghost@inside.test=550 5.1.1 <ghost@inside.test>: no such user");
        RecipientVerifier verifier = Verifier();

        VerificationResult known = await AskAsync(verifier, peer.EndPoint, "bob@inside.test");
        VerificationResult unknown = await AskAsync(verifier, peer.EndPoint, "ghost@inside.test");

        Assert.Equal(VerificationStatus.Accepted, known.Status);
        Assert.Equal(VerificationStatus.Rejected, unknown.Status);
        Assert.Equal("5.1.1", unknown.EnhancedStatus);
        Assert.Equal("550 5.1.1 <ghost@inside.test>: no such user", unknown.Text);
        Assert.Equal($"127.0.0.1[127.0.0.1]:{peer.EndPoint.Port}", unknown.Via);
        await WaitUntilAsync(() => peer.Commands().Count(c => c == "QUIT") == 2);
        Assert.Equal(
            [
                "EHLO mx.example.org", "MAIL FROM:<>", "RCPT TO:<bob@inside.test>", "QUIT",
                "EHLO mx.example.org", "MAIL FROM:<>", "RCPT TO:<ghost@inside.test>", "QUIT",
            ], peer.Commands());
        Assert.Empty(peer.Messages());
    }

    [Fact]
    public async Task RemembersAYesAndANoForTheirOwnTimes()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--rcpt-reply", "ghost@inside.test=550 5.1.1 no such user");
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T12:00:00Z"));
        RecipientVerifier verifier = Verifier(time);
        Settings settings = Settings with { VerifyCachePositive = TimeSpan.FromHours(2), VerifyCacheNegative = TimeSpan.FromMinutes(10) };

        await AskAsync(verifier, peer.EndPoint, "bob@inside.test", settings);
        await AskAsync(verifier, peer.EndPoint, "ghost@inside.test", settings);
        VerificationResult cachedYes = await AskAsync(verifier, peer.EndPoint, "BOB@inside.test", settings);
        VerificationResult cachedNo = await AskAsync(verifier, peer.EndPoint, "ghost@inside.test", settings);
        Assert.True(cachedYes.FromCache);
        Assert.Equal(VerificationStatus.Accepted, cachedYes.Status);
        Assert.True(cachedNo.FromCache);
        Assert.Equal(VerificationStatus.Rejected, cachedNo.Status);
        Assert.Equal(2, Rcpts(peer).Length);

        time.Advance(TimeSpan.FromMinutes(11));     // the no has expired, the yes has not
        await AskAsync(verifier, peer.EndPoint, "bob@inside.test", settings);
        Assert.False((await AskAsync(verifier, peer.EndPoint, "ghost@inside.test", settings)).FromCache);
        Assert.Equal(3, Rcpts(peer).Length);

        time.Advance(TimeSpan.FromHours(2));
        Assert.False((await AskAsync(verifier, peer.EndPoint, "bob@inside.test", settings)).FromCache);
        Assert.Equal(4, Rcpts(peer).Length);
    }

    [Fact]
    public async Task CountsATemporaryRefusalAsUnknownAndAsksAgainNextTime()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--rcpt-reply", "grey@inside.test=450 4.7.1 greylisted");
        RecipientVerifier verifier = Verifier();

        VerificationResult first = await AskAsync(verifier, peer.EndPoint, "grey@inside.test");
        VerificationResult second = await AskAsync(verifier, peer.EndPoint, "grey@inside.test");

        Assert.Equal(VerificationStatus.Unknown, first.Status);
        Assert.Equal("450 4.7.1 greylisted", first.Text);
        Assert.False(first.Unreachable);
        Assert.False(second.FromCache);
        Assert.Equal(2, Rcpts(peer).Length);
    }

    [Fact]
    public async Task GivesUpOnASilentNextHopWithinTheTimeLimitAndLeavesItAloneForAWhile()
    {
        await using var silent = ScriptedPeer.Serve((link, _) => link.StallAsync());
        RecipientVerifier verifier = Verifier(timeLimit: TimeSpan.FromMilliseconds(600));
        var clock = Stopwatch.StartNew();

        VerificationResult first = await AskAsync(verifier, silent.EndPoint, "bob@inside.test");
        TimeSpan took = clock.Elapsed;
        VerificationResult second = await AskAsync(verifier, silent.EndPoint, "carol@inside.test");

        Assert.Equal(VerificationStatus.Unknown, first.Status);
        Assert.True(first.Unreachable);
        Assert.InRange(took, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3));
        Assert.Equal(VerificationStatus.Unknown, second.Status);
        Assert.Equal("the next hop did not answer a moment ago", second.Text);
        Assert.Equal(1, silent.Connections);
    }

    [Fact]
    public async Task CountsAnUnreachableNextHopAsUnknown()
    {
        IPEndPoint closed;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closed = (IPEndPoint)probe.LocalEndpoint;
        }

        VerificationResult result = await AskAsync(Verifier(), closed, "bob@inside.test");

        Assert.Equal(VerificationStatus.Unknown, result.Status);
        Assert.True(result.Unreachable);
        Assert.Contains("connect to", result.Text);
    }

    [Fact]
    public async Task SharesOneQuestionBetweenClientsAskingAtTheSameTime()
    {
        await using var slow = ScriptedPeer.Serve(async (link, _) =>
        {
            await ScriptedPeer.GreetAsync(link);
            await link.ExpectAsync("MAIL");
            await link.SendAsync("250 2.1.0 ok\r\n");
            await link.ExpectAsync("RCPT");
            await Task.Delay(300, link.Stop);
            await link.SendAsync("250 2.1.5 ok\r\n");
            await link.ExpectAsync("QUIT");
            await link.SendAsync("221 bye\r\n");
        });
        RecipientVerifier verifier = Verifier();

        VerificationResult[] answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => AskAsync(verifier, slow.EndPoint, "bob@inside.test")));

        Assert.All(answers, a => Assert.Equal(VerificationStatus.Accepted, a.Status));
        Assert.Equal(1, slow.Connections);
    }

    [Fact]
    public async Task WaitsForAFreePlaceWhenEveryQuestionIsTaken()
    {
        // A next hop that takes its time to greet holds the only place for most of a second.
        await using var dawdling = ScriptedPeer.Serve(async (link, _) =>
        {
            await Task.Delay(800, link.Stop);
            await ScriptedPeer.GreetAsync(link);
            await link.ExpectAsync("MAIL");
            await link.SendAsync("250 2.1.0 ok\r\n");
            await link.ExpectAsync("RCPT");
            await link.SendAsync("250 2.1.5 ok\r\n");
            await link.StallAsync();
        });
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync();
        RecipientVerifier verifier = Verifier(maxProbes: 1, timeLimit: TimeSpan.FromSeconds(10));

        Task<VerificationResult> slow = AskAsync(verifier, dawdling.EndPoint, "bob@slow.test");
        await Task.Delay(200);
        var clock = Stopwatch.StartNew();
        VerificationResult waited = await AskAsync(verifier, peer.EndPoint, "carol@inside.test");

        Assert.Equal(VerificationStatus.Accepted, waited.Status);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(8));
        Assert.Equal(VerificationStatus.Accepted, (await slow).Status);
    }

    [Fact]
    public async Task RejectsADomainThatDoesNotExist()
    {
        VerificationResult result = await Verifier().VerifyAsync(new Target.Relay([]), Mailbox.Parse("bob@missing.test"), Settings,
            CancellationToken.None);

        Assert.Equal(VerificationStatus.Rejected, result.Status);
        Assert.Equal("5.1.2", result.EnhancedStatus);
        Assert.Equal("missing.test: domain not found (NXDOMAIN)", result.Text);
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
            await Task.Delay(25);
        Assert.True(condition());
    }
}
