using System.Net;
using Postmaster.Mail;
using Postmaster.Policy;
using Postmaster.Policy.Delegation;
using Xunit;

namespace Postmaster.Tests.Policy.Delegation;

/// <summary>The request attributes, as SMTPD_POLICY_README names them.</summary>
public sealed class PolicyRequestTests
{
    static SessionFacts Rcpt => new(PolicyStage.Rcpt, "5f2c1", IPAddress.Parse("192.0.2.7"), "mail.client.example", false, false,
        "client.example", "ESMTPS", "TLSv1.3 TLS_AES_256_GCM_SHA384", QueueId: "1QID", Sender: Mailbox.Parse("alice@example.net"),
        HasSender: true, Size: 2048, Recipient: Mailbox.Parse("bob@example.org"), RecipientCount: 1);

    static Dictionary<string, string> Attributes(SessionFacts facts)
    {
        string text = PolicyRequest.Build(facts);
        Assert.EndsWith("\n\n", text);
        return text[..^2].Split('\n').ToDictionary(line => line[..line.IndexOf('=')], line => line[(line.IndexOf('=') + 1)..]);
    }

    [Fact]
    public void DescribesARecipientAsPostfixDoes()
    {
        Dictionary<string, string> a = Attributes(Rcpt);

        Assert.Equal("smtpd_access_policy", a["request"]);
        Assert.Equal("RCPT", a["protocol_state"]);
        Assert.Equal("ESMTP", a["protocol_name"]);
        Assert.Equal("client.example", a["helo_name"]);
        Assert.Equal("1QID", a["queue_id"]);
        Assert.Equal("alice@example.net", a["sender"]);
        Assert.Equal("bob@example.org", a["recipient"]);
        Assert.Equal("0", a["recipient_count"]);   // non-zero only at the end of the message
        Assert.Equal("192.0.2.7", a["client_address"]);
        Assert.Equal("mail.client.example", a["client_name"]);
        Assert.Equal("mail.client.example", a["reverse_client_name"]);
        Assert.Equal("5f2c1.1QID", a["instance"]);
        Assert.Equal("2048", a["size"]);
        Assert.Equal("TLSv1.3", a["encryption_protocol"]);
        Assert.Equal("TLS_AES_256_GCM_SHA384", a["encryption_cipher"]);
        Assert.Equal("", a["sasl_username"]);
        Assert.Equal("", a["etrn_domain"]);
    }

    [Fact]
    public void TheEndOfTheMessageCountsRecipients()
    {
        Dictionary<string, string> a = Attributes(Rcpt with { Stage = PolicyStage.Data, Recipient = null, RecipientCount = 3, Size = 99 });

        Assert.Equal("END-OF-MESSAGE", a["protocol_state"]);
        Assert.Equal("3", a["recipient_count"]);
        Assert.Equal("", a["recipient"]);
        Assert.Equal("99", a["size"]);
    }

    [Theory]
    [InlineData(PolicyStage.Connect, "ESMTP", "CONNECT")]
    [InlineData(PolicyStage.Helo, "ESMTP", "EHLO")]
    [InlineData(PolicyStage.Helo, "SMTP", "HELO")]
    [InlineData(PolicyStage.Mail, "ESMTP", "MAIL")]
    public void NamesEveryStage(PolicyStage stage, string protocol, string state)
    {
        Assert.Equal(state, Attributes(Rcpt with { Stage = stage, Protocol = protocol })["protocol_state"]);
    }

    [Fact]
    public void SaysUnknownForAClientWithoutAName()
    {
        Dictionary<string, string> a = Attributes(Rcpt with { ClientName = null, Sender = null, TlsDescription = null, QueueId = null, Size = null });

        Assert.Equal("unknown", a["client_name"]);
        Assert.Equal("unknown", a["reverse_client_name"]);
        Assert.Equal("", a["sender"]);   // the null sender <>
        Assert.Equal("", a["encryption_protocol"]);
        Assert.Equal("0", a["size"]);
        Assert.Equal("5f2c1", a["instance"]);
    }

    [Fact]
    public void ALineBreakInAValueCannotForgeAnAttribute()
    {
        string text = PolicyRequest.Build(Rcpt with { Helo = "evil\nrecipient=victim@example.org\n" });

        Assert.Contains("helo_name=evil?recipient=victim@example.org?\n", text);
        Assert.Single(text.Split('\n'), line => line.StartsWith("recipient="));
    }
}
