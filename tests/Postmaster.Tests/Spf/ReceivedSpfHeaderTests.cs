using System.Net;
using Postmaster.Mail;
using Postmaster.Spf;
using Xunit;

namespace Postmaster.Tests.Spf;

public sealed class ReceivedSpfHeaderTests
{
    static string Format(SpfResult result, string client = "192.0.2.2", string? sender = "alice@example.net",
        string? helo = "mail.example.net", SpfIdentity identity = SpfIdentity.MailFrom, string? problem = null) =>
        ReceivedSpfHeader.Format(new SpfOutcome(new SpfQuery(IPAddress.Parse(client), helo,
            sender is null ? null : Mailbox.Parse(sender), identity), result, problem, 1, TimeSpan.Zero), "mx.example.org");

    [Fact]
    public void WritesTheFieldOfRfc7208Section9_1() =>
        Assert.Equal(
            "Received-SPF: pass (mx.example.org: domain of alice@example.net designates 192.0.2.2 as permitted sender)\n" +
            "client-ip=192.0.2.2; envelope-from=\"alice@example.net\"; helo=mail.example.net;\n" +
            "receiver=mx.example.org; identity=mailfrom",
            Format(SpfResult.Pass));

    [Theory]
    [InlineData(SpfResult.Fail, "fail (mx.example.org: domain of alice@example.net does not designate 192.0.2.2 as permitted sender)")]
    [InlineData(SpfResult.SoftFail, "softfail (mx.example.org: domain of transitioning alice@example.net does not designate 192.0.2.2 as permitted sender)")]
    [InlineData(SpfResult.Neutral, "neutral (mx.example.org: 192.0.2.2 is neither permitted nor denied by domain of alice@example.net)")]
    [InlineData(SpfResult.None, "none (mx.example.org: domain of alice@example.net does not provide an SPF record)")]
    [InlineData(SpfResult.TempError, "temperror (mx.example.org: temporary error in processing during lookup of alice@example.net: DNS timeout)")]
    [InlineData(SpfResult.PermError, "permerror (mx.example.org: permanent error in processing during lookup of alice@example.net: DNS timeout)")]
    public void NamesEachResult(SpfResult result, string expected) =>
        Assert.StartsWith($"Received-SPF: {expected}\n", Format(result, problem: "DNS timeout"));

    [Fact]
    public void QuotesAnIpv6ClientAndTheHeloIdentity() =>
        Assert.Equal(
            "Received-SPF: fail (mx.example.org: domain of mail.example.net does not designate 2001:db8::2 as permitted sender)\n" +
            "client-ip=\"2001:db8::2\"; envelope-from=\"alice@example.net\"; helo=mail.example.net;\n" +
            "receiver=mx.example.org; identity=helo",
            Format(SpfResult.Fail, "2001:db8::2", identity: SpfIdentity.Helo));

    [Fact]
    public void SaysWhyALoopbackClientPasses() =>
        Assert.StartsWith("Received-SPF: pass (mx.example.org: localhost is always allowed)\n", Format(SpfResult.Pass, "127.0.0.1"));

    [Fact]
    public void NamesPostmasterAtTheHeloForTheNullSender() =>
        Assert.Contains(" envelope-from=\"postmaster@mail.example.net\";", Format(SpfResult.None, sender: null));

    [Fact]
    public void EscapesWhatCouldEndTheCommentOrTheQuotes()
    {
        string field = Format(SpfResult.PermError, sender: "\"a)(b\\\\\"@example.net", problem: "bad (\r\n) record");

        Assert.Contains("lookup of \"a\\)\\(b\\\\\\\\\"@example.net: bad \\(??\\) record)", field);
        Assert.Contains("envelope-from=\"\\\"a)(b\\\\\\\\\\\"@example.net\";", field);
        Assert.Equal(2, field.Count(c => c == '\n'));
    }
}
