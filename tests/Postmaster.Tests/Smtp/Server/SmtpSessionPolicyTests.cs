using Postmaster.Policy;
using Postmaster.Smtp.Protocol;
using Postmaster.Tests.Policy;
using Xunit;

namespace Postmaster.Tests.Smtp.Server;

/// <summary>The session asks the policy chain at each stage and answers its refusals without moving state.</summary>
public sealed class SmtpSessionPolicyTests
{
    static PolicyChain Chain(params ISessionPolicy[] policies) => new([.. policies]);

    [Fact]
    public async Task A_refusal_at_connect_is_the_greeting_and_ends_the_session()
    {
        var policy = new ScriptedPolicy("c", _ => PolicyVerdict.Reject(new Reply(554, "5.7.1", "go away")), PolicyStage.Connect);
        await using var session = InMemorySession.Start(policies: Chain(policy));

        Assert.Equal(["554 5.7.1 go away"], await session.ReadRepliesAsync(1));
        Assert.True(await session.ServerClosedAsync());
    }

    [Theory]
    [InlineData(451, "4.3.5", "421 4.3.5 busy")]
    [InlineData(550, "5.7.1", "554 5.7.1 busy")]
    public async Task A_greeting_refusal_takes_the_codes_RFC_5321_allows_there(short code, string status, string expected)
    {
        Reply reply = new(code, status, "busy");
        var policy = new ScriptedPolicy("c", _ => code < 500 ? PolicyVerdict.Defer(reply) : PolicyVerdict.Reject(reply), PolicyStage.Connect);
        await using var session = InMemorySession.Start(policies: Chain(policy));

        Assert.Equal([expected], await session.ReadRepliesAsync(1));
        Assert.True(await session.ServerClosedAsync());
    }

    [Fact]
    public async Task A_refused_recipient_is_not_added_and_the_next_one_still_can_be()
    {
        var policy = new ScriptedPolicy("r", facts => facts.Recipient!.LocalPart == "spamtrap"
            ? PolicyVerdict.Reject(new Reply(550, "5.7.1", "trap"))
            : PolicyVerdict.Continue, PolicyStage.Rcpt);
        await using var session = InMemorySession.Start(policies: Chain(policy));
        await session.ReadRepliesAsync(1);

        await session.SendAsync("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<spamtrap@example.org>\r\n" +
                                "DATA\r\nRCPT TO:<joe@example.org>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n");

        Assert.Equal(new[] { 250, 250, 550, 503, 250, 354, 250 }, await session.ReadReplyCodesAsync(7));
        Postmaster.Spool.QueueId id = Assert.Single(session.Queued);
        Assert.Equal(["joe@example.org"], session.Spool.ReadEnvelope(id)!.Recipients.Select(r => r.Recipient.ToString()));
        SessionFacts asked = policy.Asked.Last();
        Assert.Equal("a@client.example", asked.Sender!.ToString());
        Assert.Equal("client.example", asked.Helo);
        Assert.Equal(id.ToString(), asked.QueueId);
    }

    [Fact]
    public async Task A_deferred_sender_gets_the_4xx_and_no_transaction()
    {
        var policy = new ScriptedPolicy("m", _ => PolicyVerdict.Defer(new Reply(450, "4.7.1", "greylisted")), PolicyStage.Mail);
        await using var session = InMemorySession.Start(policies: Chain(policy));
        await session.ReadRepliesAsync(1);

        await session.SendAsync("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<joe@example.org>\r\n");

        string[] replies = await session.ReadRepliesAsync(3);
        Assert.Equal("450 4.7.1 greylisted", replies[1]);
        Assert.StartsWith("503", replies[2]);
    }

    [Fact]
    public async Task Headers_from_policies_go_above_our_Received_field()
    {
        var helo = new ScriptedPolicy("h", _ => PolicyVerdict.ContinueWith("X-Helo-Check: ok"), PolicyStage.Helo);
        var mail = new ScriptedPolicy("m", _ => PolicyVerdict.ContinueWith("Received-SPF: pass (test)"), PolicyStage.Mail);
        await using var session = InMemorySession.Start(policies: Chain(helo, mail));
        await session.ReadRepliesAsync(1);

        await session.SendAsync("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<joe@example.org>\r\n" +
                                "DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
        Assert.Equal(new[] { 250, 250, 250, 354, 250 }, await session.ReadReplyCodesAsync(5));

        string text = session.MessageText(Assert.Single(session.Queued));
        Assert.StartsWith("X-Helo-Check: ok\r\nReceived-SPF: pass (test)\r\nReceived: from client.example", text);
    }

    [Fact]
    public async Task A_refusal_at_the_end_of_data_queues_nothing()
    {
        var policy = new ScriptedPolicy("d", facts => PolicyVerdict.Reject(new Reply(550, "5.7.1", $"size {facts.Size}")), PolicyStage.Data);
        await using var session = InMemorySession.Start(policies: Chain(policy));
        await session.ReadRepliesAsync(1);

        await session.SendAsync("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<joe@example.org>\r\n" +
                                "DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nMAIL FROM:<b@client.example>\r\n");

        string[] replies = await session.ReadRepliesAsync(6);
        Assert.StartsWith("550 5.7.1 size ", replies[4]);
        Assert.StartsWith("250", replies[5]);
        Assert.Empty(session.Queued);
    }

    [Fact]
    public async Task A_refused_HELO_leaves_the_session_ungreeted()
    {
        var policy = new ScriptedPolicy("h", facts => facts.Helo == "bad.example"
            ? PolicyVerdict.Reject(new Reply(550, "5.7.1", "bad helo")) : PolicyVerdict.Continue, PolicyStage.Helo);
        await using var session = InMemorySession.Start(policies: Chain(policy));
        await session.ReadRepliesAsync(1);

        await session.SendAsync("EHLO bad.example\r\nMAIL FROM:<a@client.example>\r\nEHLO good.example\r\n");

        Assert.Equal(new[] { 550, 503, 250 }, await session.ReadReplyCodesAsync(3));
    }

    [Fact]
    public async Task A_second_EHLO_replaces_the_first_ones_header_fields()
    {
        var helo = new ScriptedPolicy("h", facts => PolicyVerdict.ContinueWith($"X-Helo: {facts.Helo}"), PolicyStage.Helo);
        await using var session = InMemorySession.Start(policies: Chain(helo));
        await session.ReadRepliesAsync(1);

        await session.SendAsync("EHLO first.example\r\nEHLO second.example\r\nMAIL FROM:<a@client.example>\r\n" +
                                "RCPT TO:<joe@example.org>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
        Assert.Equal(new[] { 250, 250, 250, 250, 354, 250 }, await session.ReadReplyCodesAsync(6));

        string text = session.MessageText(Assert.Single(session.Queued));
        Assert.StartsWith("X-Helo: second.example\r\nReceived: ", text);
    }
}
