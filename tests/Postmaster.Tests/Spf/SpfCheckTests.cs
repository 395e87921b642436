using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Postmaster.Mail;
using Postmaster.Spf;
using Xunit;

namespace Postmaster.Tests.Spf;

/// <summary>SPF evaluation through the real libspf2, with DNS from a real dnsmasq through our C# DNS layer.</summary>
public sealed class SpfCheckTests(SpfDnsmasq dnsmasq) : IClassFixture<SpfDnsmasq>
{
    static readonly IPAddress Designated = IPAddress.Parse("192.0.2.2");
    static readonly IPAddress Stranger = IPAddress.Parse("198.51.100.9");

    SpfEvaluator Evaluator() => new([dnsmasq.EndPoint], "mx.receiver.test");

    static long Deadline(double seconds = 10) => Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);

    Task<SpfOutcome> CheckAsync(IPAddress client, string? sender, string? helo = "client.test",
        SpfIdentity identity = SpfIdentity.MailFrom) =>
        Evaluator().CheckAsync(new SpfQuery(client, helo, sender is null ? null : Mailbox.Parse(sender), identity),
            Deadline(), CancellationToken.None);

    [Theory]
    [InlineData("192.0.2.2", "alice@pass.test", SpfResult.Pass)]
    [InlineData("198.51.100.9", "alice@pass.test", SpfResult.Fail)]
    [InlineData("2001:db8::25", "alice@pass.test", SpfResult.Pass)]
    [InlineData("2001:dead::25", "alice@pass.test", SpfResult.Fail)]
    [InlineData("192.0.2.2", "alice@fail.test", SpfResult.Fail)]
    [InlineData("192.0.2.2", "alice@softfail.test", SpfResult.SoftFail)]
    [InlineData("192.0.2.2", "alice@neutral.test", SpfResult.Neutral)]
    [InlineData("192.0.2.2", "alice@nospf.test", SpfResult.None)]
    [InlineData("192.0.2.2", "alice@other.test", SpfResult.None)]
    [InlineData("192.0.2.2", "alice@nonexistent.test", SpfResult.None)]
    [InlineData("192.0.2.2", "alice@[192.0.2.2]", SpfResult.None)]
    [InlineData("203.0.113.20", "bob@mechanisms.test", SpfResult.Pass)]   // mx
    [InlineData("203.0.113.21", "bob@mechanisms.test", SpfResult.Pass)]   // a:
    [InlineData("192.0.2.77", "bob@mechanisms.test", SpfResult.Pass)]     // include:
    [InlineData("203.0.113.22", "bob@mechanisms.test", SpfResult.Fail)]
    [InlineData("2001:db8:1::21", "bob@v6only.test", SpfResult.Pass)]     // a: through AAAA
    [InlineData("192.0.2.9", "carol@split.test", SpfResult.Pass)]
    [InlineData("198.51.100.9", "carol@split.test", SpfResult.Fail)]
    public async Task GivesTheResultOfTheSendersRecord(string client, string sender, SpfResult expected)
    {
        SpfOutcome outcome = await CheckAsync(IPAddress.Parse(client), sender);

        Assert.Equal(expected, outcome.Result);
        Assert.Null(outcome.Problem);
    }

    [Theory]
    [InlineData("alice@broken.test", "Unknown mechanism")]
    [InlineData("alice@badip.test", "Invalid IPv4")]
    [InlineData("alice@two.test", "Multiple SPF")]
    [InlineData("alice@includesnothing.test", "nospf.test")]
    public async Task AMalformedRecordIsAPermErrorWithTheReason(string sender, string reason)
    {
        SpfOutcome outcome = await CheckAsync(Designated, sender);

        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains(reason, outcome.Problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ADnsServerThatDoesNotAnswerIsATempErrorWithinTheTimeLimit()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));   // never read: queries go unanswered
        var evaluator = new SpfEvaluator([(IPEndPoint)silent.LocalEndPoint!], "mx.receiver.test");
        var clock = Stopwatch.StartNew();

        SpfOutcome outcome = await evaluator.CheckAsync(
            new SpfQuery(Designated, "client.test", Mailbox.Parse("alice@pass.test"), SpfIdentity.MailFrom),
            Deadline(1.5), CancellationToken.None);

        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Contains("timeout", outcome.Problem);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task AnErrorAnswerIsATempError()
    {
        // dnsmasq has no upstream server: it answers REFUSED for names outside its .test zone.
        SpfOutcome outcome = await CheckAsync(Designated, "alice@pass.test", "client.example", SpfIdentity.Helo);

        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Equal("DNS failure", outcome.Problem);
    }

    [Fact]
    public async Task TheHeloIdentityIsCheckedAsPostmasterAtTheHeloName()
    {
        SpfOutcome allowed = await CheckAsync(Designated, "alice@fail.test", "mail.helo.test", SpfIdentity.Helo);
        SpfOutcome refused = await CheckAsync(IPAddress.Parse("192.0.2.3"), null, "mail.helo.test", SpfIdentity.Helo);

        Assert.Equal(SpfResult.Pass, allowed.Result);
        Assert.Equal(SpfResult.Fail, refused.Result);
        Assert.Equal("postmaster@mail.helo.test", refused.Query.EnvelopeFrom);
    }

    [Fact]
    public async Task TheNullSenderIsCheckedAgainstTheHeloName()
    {
        Assert.Equal(SpfResult.Pass, (await CheckAsync(Designated, null, "mail.helo.test")).Result);
        Assert.Equal(SpfResult.Fail, (await CheckAsync(Stranger, null, "mail.helo.test")).Result);
    }

    [Theory]
    [InlineData("[192.0.2.2]")]
    [InlineData("localhost")]
    [InlineData("192.0.2.2")]
    [InlineData("bad..name.test")]
    [InlineData("with space.test")]
    [InlineData("ünicode.test")]
    public async Task ANullSenderWithoutAHeloDomainIsNoneWithoutAsking(string helo)
    {
        SpfOutcome outcome = await CheckAsync(Designated, null, helo);

        Assert.Equal(SpfResult.None, outcome.Result);
        Assert.Equal(0, outcome.Queries);
    }

    [Theory]
    [InlineData("\"odd local\"@pass.test", SpfResult.Pass)]
    [InlineData("x+%{i}@pass.test", SpfResult.Pass)]
    [InlineData("\"odd local\"@exists.test", SpfResult.Fail)]
    [InlineData("\"a.(b)\\\\c\"@exists.test", SpfResult.Fail)]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@exists.test", SpfResult.Fail)]   // a 64-octet label
    public async Task StrangeLocalPartsAreCheckedWithoutTrouble(string sender, SpfResult expected) =>
        Assert.Equal(expected, (await CheckAsync(Designated, sender)).Result);

    [Fact]
    public async Task LoopbackClientsPassAsLibspf2Decides() =>
        Assert.Equal(SpfResult.Pass, (await CheckAsync(IPAddress.Loopback, "alice@fail.test")).Result);

    [Fact]
    public async Task ManyChecksAtOnceEachGetTheirOwnAnswer()
    {
        var checks = Enumerable.Range(0, 64).Select(i => i % 2 == 0
            ? CheckAsync(IPAddress.Parse($"192.0.2.{i + 1}"), "alice@pass.test")
            : CheckAsync(IPAddress.Parse($"198.51.100.{i + 1}"), "alice@pass.test")).ToArray();

        SpfOutcome[] outcomes = await Task.WhenAll(checks);

        for (int i = 0; i < outcomes.Length; i++)
            Assert.Equal(i % 2 == 0 ? SpfResult.Pass : SpfResult.Fail, outcomes[i].Result);
    }
}
