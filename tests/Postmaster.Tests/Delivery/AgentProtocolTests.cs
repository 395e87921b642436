using Postmaster.Delivery;
using Postmaster.Routing;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class AgentProtocolTests
{
    [Theory]
    [InlineData("plain@example.org", "plain@example.org")]
    [InlineData("a b", "a%20b")]
    [InlineData("x=y%z", "x%3Dy%25z")]
    [InlineData("line\nbreak\r", "line%0Abreak%0D")]
    [InlineData("jörg", "j%C3%B6rg")]
    [InlineData("", "")]
    public void EncodesEveryOctetThatCouldBreakTheLine(string value, string encoded)
    {
        Assert.Equal(encoded, AgentProtocol.Encode(value));
        Assert.True(AgentProtocol.TryDecode(encoded, out string? decoded));
        Assert.Equal(value, decoded);
    }

    [Theory]
    [InlineData("%4")]
    [InlineData("%ZZ")]
    [InlineData("a=b")]
    [InlineData("tab\there")]
    public void RefusesBadEncodings(string text) => Assert.False(AgentProtocol.TryDecode(text, out _));

    [Fact]
    public void RequestsRoundTrip()
    {
        var request = new AgentRequest(42, "/var/spool/postmaster/queue/0KX7M2C4J1QF00.msg", new Target.Pipe("procmail -m /etc/rc; echo $SENDER"),
            "joe", new DeliveryEnvelope("", "joe+x@example.net", "Joe+X@example.net", "x", "0KX7M2C4J1QF00", "203.0.113.7"),
            TimeSpan.FromSeconds(1.5));

        string line = AgentProtocol.FormatRequest(request);

        Assert.DoesNotContain('\n', line);
        Assert.Contains(" sender= ", line);         // the null sender is an empty value, not a missing key
        Assert.True(AgentProtocol.TryParseRequest(line, out long id, out AgentRequest? parsed, out string? problem), problem);
        Assert.Equal(42, id);
        Assert.Equal(request, parsed);
    }

    [Fact]
    public void AMissingSenderStaysUnknown()
    {
        string line = AgentProtocol.FormatRequest(new AgentRequest(1, "/q/x.msg", new Target.Maildir("/home/joe/Maildir/"), "joe",
            new DeliveryEnvelope(), TimeSpan.FromMinutes(10)));
        Assert.True(AgentProtocol.TryParseRequest(line, out _, out AgentRequest? parsed, out _));
        Assert.Null(parsed.Envelope.Sender);
        Assert.Equal(new Target.Maildir("/home/joe/Maildir/"), parsed.Mailer);
    }

    [Theory]
    [InlineData("", 0, "missing or bad id")]
    [InlineData("id=x", 0, "missing or bad id")]
    [InlineData("id=3", 3, "missing message")]
    [InlineData("id=3 message=/q/x.msg mailer=maildir target=/m", 3, "missing user")]
    [InlineData("id=3 message=/q/x.msg user=joe mailer=relay target=x", 3, "mailer must be maildir, mbox or pipe")]
    [InlineData("id=3 message=/q/x.msg user=joe mailer=pipe target=x time-limit=-1", 3, "bad time-limit")]
    [InlineData("id=3 id=4", 0, "id given twice")]
    [InlineData("id=3 junk", 0, "\"junk\" is not key=value")]
    public void ExplainsWhatIsWrongWithARequest(string line, long expectedId, string expectedProblem)
    {
        Assert.False(AgentProtocol.TryParseRequest(line, out long id, out _, out string? problem));
        Assert.Equal(expectedId, id);
        Assert.Equal(expectedProblem, problem);
    }

    [Fact]
    public void ResultsRoundTrip()
    {
        foreach (DeliveryResult result in new[]
        {
            DeliveryResult.Delivered("delivered to maildir /home/joe/Maildir"),
            DeliveryResult.Deferred("4.2.2", "mbox /var/mail/joe: write: Disk quota exceeded"),
            DeliveryResult.Failed("5.3.0", "command exited with status 1: x=y 100%"),
        })
        {
            Assert.True(AgentProtocol.TryParseResult(AgentProtocol.FormatResult(7, result), out long id, out DeliveryResult? parsed));
            Assert.Equal(7, id);
            Assert.Equal(result, parsed);
        }
        Assert.False(AgentProtocol.TryParseResult("id=1 outcome=maybe status=2.0.0", out _, out _));
    }
}
