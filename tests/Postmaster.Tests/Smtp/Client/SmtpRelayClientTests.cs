using System.Collections.Immutable;
using System.Text;
using Postmaster.Delivery;
using Postmaster.Smtp.Client;
using Postmaster.Tests.Smtp.Client.Peers;
using Xunit;
using static Postmaster.Tests.Smtp.Client.ClientHarness;

namespace Postmaster.Tests.Smtp.Client;

/// <summary>Mail transactions against aiosmtpd, a real server, scripted per test.</summary>
public sealed class SmtpRelayClientTests
{
    [Fact]
    public async Task DeliversTheContentOctetForOctet()
    {
        await using var peer = await AiosmtpdPeer.StartAsync();
        string content = Text("dots", ".leading dot\r\n..two dots\r\n.\r\nmiddle . line\r\n. \r\nlast\r\n");
        await using var client = await ConnectAsync(peer.EndPoint);

        ImmutableArray<DeliveryResult> results = await client.SendAsync(Message(content, "bob@example.net"), CancellationToken.None);
        await client.QuitAsync(CancellationToken.None);

        Assert.Equal(["delivered 2.0.0 250 2.0.0 Ok: queued as 1"], Show(results));
        ReceivedMessage received = Assert.Single(peer.Messages());
        Assert.Equal(content, Encoding.UTF8.GetString(received.Content));
        Assert.Equal(Sender, received.MailFrom);
        Assert.Equal(["bob@example.net"], received.RcptTos);
        Assert.Empty(received.MailOptions);
        Assert.False(received.Tls);
        Assert.Equal(["EHLO client.example.org", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.net>", "DATA", "QUIT"], peer.Commands());
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task PipelinesAndReportsEachRecipient()
    {
        await using var peer = await AiosmtpdPeer.StartAsync("--pipelining",
            "--rcpt-reply", "busy@example.net=450 4.2.1 <busy@example.net>: mailbox busy",
            "--rcpt-reply", "nobody@example.net=550 5.1.1 <nobody@example.net>: user unknown");
        await using var client = await ConnectAsync(peer.EndPoint);
        Assert.True(client.Extensions!.Has(ServerCapabilities.Pipelining));

        var results = await client.SendAsync(Message(Text("three", "Hi all.\r\n"), "bob@example.net", "busy@example.net", "nobody@example.net"), CancellationToken.None);

        Assert.Equal([
            "delivered 2.0.0 250 2.0.0 Ok: queued as 1",
            "deferred 4.2.1 450 4.2.1 <busy@example.net>: mailbox busy",
            "failed 5.1.1 550 5.1.1 <nobody@example.net>: user unknown",
        ], Show(results));
        Assert.Equal(["bob@example.net"], Assert.Single(peer.Messages()).RcptTos);
        // One write: when the server took MAIL, the RCPTs and DATA were already waiting behind it.
        string mail = Assert.Single(peer.Transcript(), line => line.Contains(" MAIL FROM:"));
        Assert.DoesNotContain("buffered=0 ", mail);
    }

    [Fact]
    public async Task SendsOneCommandAtATimeWithoutPipelining()
    {
        await using var peer = await AiosmtpdPeer.StartAsync("--rcpt-reply", "nobody@example.net=550 5.1.1 no such user");
        await using var client = await ConnectAsync(peer.EndPoint);

        var results = await client.SendAsync(Message(Text("two", "Hi.\r\n"), "nobody@example.net", "bob@example.net"), CancellationToken.None);

        Assert.Equal(["failed 5.1.1 550 5.1.1 no such user", "delivered 2.0.0 250 2.0.0 Ok: queued as 1"], Show(results));
        Assert.All(peer.Transcript(), line => Assert.Contains(" buffered=0 ", line));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendsNoContentWhenEveryRecipientIsRefused(bool pipelining)
    {
        await using var peer = await AiosmtpdPeer.StartAsync([.. Pipelining(pipelining),
            "--rcpt-reply", "x@example.net=550 5.1.1 unknown", "--rcpt-reply", "y@example.net=452 4.5.3 too many"]);
        await using var client = await ConnectAsync(peer.EndPoint);

        var results = await client.SendAsync(Message(Text("none", "Hi.\r\n"), "x@example.net", "y@example.net"), CancellationToken.None);

        Assert.Equal(["failed 5.1.1 550 5.1.1 unknown", "deferred 4.5.3 452 4.5.3 too many"], Show(results));
        Assert.Empty(peer.Messages());
        Assert.Equal(pipelining, peer.Commands().Contains("DATA"));   // pipelined DATA gets its 503 and nothing more
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task AppliesTheFinalReplyToEveryAcceptedRecipient()
    {
        await using var peer = await AiosmtpdPeer.StartAsync("--pipelining", "--data-reply", "452 4.3.1 Insufficient system storage",
            "--rcpt-reply", "nobody@example.net=550 5.1.1 unknown");
        await using var client = await ConnectAsync(peer.EndPoint);

        var results = await client.SendAsync(Message(Text("full", "Hi.\r\n"), "bob@example.net", "nobody@example.net", "carol@example.net"), CancellationToken.None);

        Assert.Equal([
            "deferred 4.3.1 452 4.3.1 Insufficient system storage",
            "failed 5.1.1 550 5.1.1 unknown",
            "deferred 4.3.1 452 4.3.1 Insufficient system storage",
        ], Show(results));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendsTwoMessagesOverOneConnectionWithRsetBetween(bool pipelining)
    {
        await using var peer = await AiosmtpdPeer.StartAsync(Pipelining(pipelining));
        await using var client = await ConnectAsync(peer.EndPoint);

        var first = await client.SendAsync(Message(Text("first", "One.\r\n"), "bob@example.net"), CancellationToken.None);
        var second = await client.SendAsync(Message(Text("second", "Two.\r\n"), "carol@example.net", "dave@example.net"), CancellationToken.None);
        await client.QuitAsync(CancellationToken.None);

        Assert.Equal(["delivered 2.0.0 250 2.0.0 Ok: queued as 1"], Show(first));
        Assert.Equal(["delivered 2.0.0 250 2.0.0 Ok: queued as 2", "delivered 2.0.0 250 2.0.0 Ok: queued as 2"], Show(second));
        Assert.Equal([
            "EHLO client.example.org",
            "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.net>", "DATA",
            "RSET",
            "MAIL FROM:<alice@example.org>", "RCPT TO:<carol@example.net>", "RCPT TO:<dave@example.net>", "DATA",
            "QUIT",
        ], peer.Commands());
        Assert.All(peer.Transcript(), line => Assert.StartsWith("1 ", line));   // one connection
        ReceivedMessage[] messages = peer.Messages();
        Assert.Equal(["first", "second"], messages.Select(m => MimeKit.MimeMessage.Load(new MemoryStream(m.Content)).Subject));
    }

    [Fact]
    public async Task FailsATooBigMessageWithoutSendingIt()
    {
        await using var peer = await AiosmtpdPeer.StartAsync("--size", "1000");
        await using var client = await ConnectAsync(peer.EndPoint);
        Assert.Equal(1000, client.Extensions!.SizeLimit);

        string big = Text("big", string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 70)));
        var tooBig = await client.SendAsync(Message(big, "bob@example.net", "carol@example.net"), CancellationToken.None);
        string small = Text("small", "Hi.\r\n");
        var fits = await client.SendAsync(Message(small, "bob@example.net"), CancellationToken.None);

        string expected = $"failed 5.3.4 message size {Encoding.UTF8.GetByteCount(big)} exceeds size limit 1000 of {client.Peer}";
        Assert.Equal([expected, expected], Show(tooBig));
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(fits).Outcome);
        Assert.Equal(["EHLO client.example.org", $"MAIL FROM:<alice@example.org> SIZE={Encoding.UTF8.GetByteCount(small)}", "RCPT TO:<bob@example.net>", "DATA"],
            peer.Commands());
    }

    [Fact]
    public async Task SendsEightBitContentAsIsWhereOffered()
    {
        await using var peer = await AiosmtpdPeer.StartAsync();
        string content = "From: alice@example.org\r\nSubject: caf\u00e9\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\nCaf\u00e9 cr\u00e8me, \u00fcber alles.\r\n";
        await using var client = await ConnectAsync(peer.EndPoint);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await client.SendAsync(Message(content, "bob@example.net"), CancellationToken.None)).Outcome);

        ReceivedMessage received = Assert.Single(peer.Messages());
        Assert.Equal(["BODY=8BITMIME"], received.MailOptions);
        Assert.Equal(Encoding.UTF8.GetBytes(content), received.Content);
    }

    [Fact]
    public async Task FailsANonAsciiAddressWithoutSmtputf8AndSendsItWith()
    {
        await using var without = await AiosmtpdPeer.StartAsync();
        await using (var client = await ConnectAsync(without.EndPoint))
        {
            var results = await client.SendAsync(Message(Text("utf8", "Hi.\r\n"), "j\u00f6rg@example.net"), CancellationToken.None);
            Assert.Equal([$"failed 5.6.7 {client.Peer} does not support SMTPUTF8, which a non-ASCII address needs"], Show(results));
        }
        Assert.DoesNotContain(without.Commands(), c => c.StartsWith("MAIL", StringComparison.Ordinal));

        await using var with = await AiosmtpdPeer.StartAsync("--smtputf8");
        await using (var client = await ConnectAsync(with.EndPoint))
            Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await client.SendAsync(Message(Text("utf8", "Hi.\r\n"), "j\u00f6rg@example.net"), CancellationToken.None)).Outcome);
        ReceivedMessage received = Assert.Single(with.Messages());
        Assert.Equal(["j\u00f6rg@example.net"], received.RcptTos);
        Assert.Contains("SMTPUTF8", received.MailOptions);
    }

    [Fact]
    public async Task DefersWhenTheServerClosesInTheMiddleOfTheContent()
    {
        await using var peer = await AiosmtpdPeer.StartAsync("--pipelining", "--close-in-data");
        string content = Text("long", string.Concat(Enumerable.Repeat(new string('y', 998) + "\r\n", 4000)));   // 4 MB
        await using var client = await ConnectAsync(peer.EndPoint);

        var results = await client.SendAsync(Message(content, "bob@example.net", "carol@example.net"), CancellationToken.None);

        Assert.All(results, r =>
        {
            Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
            Assert.Equal("4.4.2", r.Status);
            Assert.StartsWith($"lost connection with {client.Peer} during the ", r.Diagnostic);
        });
        Assert.False(client.IsConnected);
        Assert.Empty(peer.Messages());
        var after = await client.SendAsync(Message(Text("again", "Hi.\r\n"), "bob@example.net"), CancellationToken.None);
        Assert.Equal([$"deferred 4.4.2 no open connection with {client.Peer}"], Show(after));
    }

    static string[] Pipelining(bool on) => on ? ["--pipelining"] : [];
}
