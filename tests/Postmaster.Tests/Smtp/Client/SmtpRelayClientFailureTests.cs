using System.Net;
using System.Net.Sockets;
using Postmaster.Delivery;
using Postmaster.Smtp.Client;
using Postmaster.Tests.Smtp.Client.Peers;
using Xunit;
using static Postmaster.Tests.Smtp.Client.ClientHarness;

namespace Postmaster.Tests.Smtp.Client;

/// <summary>What no real server does on purpose: refusals, garbage, broken replies, silence. Each attempt ends
/// in a value (next host, or deferred recipients) and a dropped connection, never an exception.</summary>
public sealed class SmtpRelayClientFailureTests
{
    static string Name(IPEndPoint endPoint) => $"[{endPoint.Address}]:{endPoint.Port}";

    [Theory]
    [InlineData("554 5.7.1 go away\r\n", "deferred 4.7.1 {0} refused to talk to us: 554 5.7.1 go away")]
    [InlineData("421 mx busy, try later\r\n", "deferred 4.4.0 {0} refused to talk to us: 421 mx busy, try later")]
    [InlineData("554-5.3.2 not\r\n554 5.3.2 today\r\n", "deferred 4.3.2 {0} refused to talk to us: 554 5.3.2 not / today")]
    public async Task TakesARefusingGreetingAsNextHost(string greeting, string expected)
    {
        await using var peer = ScriptedPeer.Start(async link =>
        {
            await link.SendAsync(greeting);
            await link.StallAsync();
        });

        ConnectResult result = await TryConnectAsync(peer.EndPoint, Options());

        Assert.Equal(ConnectFailure.Refused, result.Failure);
        Assert.Equal(string.Format(expected, Name(peer.EndPoint)), result.Problem!.ToString());
        Assert.Empty(peer.Received);
    }

    [Fact]
    public async Task FallsBackToHeloAndSendsOneCommandAtATime()
    {
        await using var peer = ScriptedPeer.Start(async link =>
        {
            await link.SendAsync("220 old.example.net SMTP\r\n");
            await link.ExpectAsync("EHLO");
            await link.SendAsync("502 5.5.2 what is EHLO?\r\n");
            await link.ExpectAsync("HELO");
            await link.SendAsync("250 old.example.net\r\n");
            await link.ExpectAsync("MAIL");
            await link.SendAsync("250 ok\r\n");
            await link.ExpectAsync("RCPT");
            await link.SendAsync("250 ok\r\n");
            await link.ExpectAsync("DATA");
            await link.SendAsync("354 go\r\n");
            while (await link.ReadLineAsync() is { } line && line != ".")
            {
            }
            await link.SendAsync("250 queued\r\n");
            await link.StallAsync();
        });
        await using var client = await ConnectAsync(peer.EndPoint);
        Assert.Equal(ServerCapabilities.None, client.Extensions!.Capabilities);

        var results = await client.SendAsync(Message(Text("helo", "Hi.\r\n"), "bob@example.net"), CancellationToken.None);

        Assert.Equal(["delivered 2.0.0 250 queued"], Show(results));
        Assert.Equal(["EHLO client.example.org", "HELO client.example.org", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.net>", "DATA"],
            peer.Received.Take(5));
    }

    [Theory]
    [InlineData("250-2.1.5 ok\r\n550 5.1.1 no\r\n", "protocol error from {0} during RCPT TO:<bob@example.net>: reply lines with different codes 250 and 550")]
    [InlineData("hello?\r\n", "protocol error from {0} during RCPT TO:<bob@example.net>: malformed reply line \"hello?\"")]
    [InlineData("250-2.1.5 ok and then", "lost connection with {0} during RCPT TO:<bob@example.net>: connection closed by the server in the middle of a reply")]
    public async Task DefersAndDropsTheConnectionOnABrokenReply(string rcptReply, string expected)
    {
        await using var peer = ScriptedPeer.Start(async link =>
        {
            await ScriptedPeer.GreetAsync(link);
            await link.ExpectAsync("MAIL");
            await link.SendAsync("250 ok\r\n");
            await link.ExpectAsync("RCPT");
            await link.SendAsync(rcptReply);
            link.Close();
        });
        await using var client = await ConnectAsync(peer.EndPoint);

        var results = await client.SendAsync(Message(Text("broken", "Hi.\r\n"), "bob@example.net"), CancellationToken.None);

        Assert.Equal(["deferred 4.4.2 " + string.Format(expected, Name(peer.EndPoint))], Show(results));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task DefersTheUnansweredRecipientsOfAStalledServer()
    {
        await using var peer = ScriptedPeer.Start(async link =>
        {
            await ScriptedPeer.GreetAsync(link, "PIPELINING");
            await link.ExpectAsync("MAIL");
            await link.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n");    // MAIL and the first RCPT, then silence
            await link.StallAsync();
        });
        SmtpClientOptions options = Options() with { Timeouts = ClientTimeouts.All(TimeSpan.FromSeconds(20)) with { Rcpt = TimeSpan.FromMilliseconds(500) } };
        await using var client = await ConnectAsync(peer.EndPoint, options);

        var results = await client.SendAsync(Message(Text("stall", "Hi.\r\n"), "bob@example.net", "carol@example.net"), CancellationToken.None);

        string expected = $"deferred 4.4.2 conversation with {Name(peer.EndPoint)} timed out during RCPT TO:<carol@example.net> (no reply for 0.5 s)";
        Assert.Equal([expected, expected], Show(results));   // bob's 250 means nothing until the message is through
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task TakesA421AsTheReasonForEveryRecipientAndCloses()
    {
        await using var peer = ScriptedPeer.Start(async link =>
        {
            await ScriptedPeer.GreetAsync(link, "PIPELINING");
            await link.ExpectAsync("MAIL");
            await link.SendAsync("421 4.3.2 shutting down\r\n");
            link.Close();
        });
        await using var client = await ConnectAsync(peer.EndPoint);

        var results = await client.SendAsync(Message(Text("bye", "Hi.\r\n"), "bob@example.net", "carol@example.net"), CancellationToken.None);

        Assert.Equal(["deferred 4.3.2 421 4.3.2 shutting down", "deferred 4.3.2 421 4.3.2 shutting down"], Show(results));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task GivesUpOnASilentGreeting()
    {
        await using var peer = ScriptedPeer.Start(link => link.StallAsync());

        ConnectResult result = await TryConnectAsync(peer.EndPoint, Options() with { Timeouts = ClientTimeouts.All(TimeSpan.FromMilliseconds(300)) });

        Assert.Equal(ConnectFailure.Lost, result.Failure);
        Assert.Equal($"deferred 4.4.2 conversation with {Name(peer.EndPoint)} timed out during the greeting (no reply for 0.3 s)", result.Problem!.ToString());
    }

    [Fact]
    public async Task RefusesPlaintextSmuggledAfterStartTls()
    {
        await using var peer = ScriptedPeer.Start(async link =>
        {
            await ScriptedPeer.GreetAsync(link, "STARTTLS");
            await link.ExpectAsync("STARTTLS");
            await link.SendAsync("220 2.0.0 go ahead\r\n250-injected\r\n250 PIPELINING\r\n");
            await link.StallAsync();
        });

        ConnectResult result = await TryConnectAsync(peer.EndPoint, Options());

        Assert.Equal(ConnectFailure.Lost, result.Failure);
        Assert.Equal($"deferred 4.4.2 protocol error from {Name(peer.EndPoint)} during STARTTLS: plaintext after the 220 reply to STARTTLS", result.Problem!.ToString());
    }

    [Fact]
    public async Task ReportsAnUnreachableHost()
    {
        IPEndPoint closed;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closed = (IPEndPoint)listener.LocalEndpoint;
        }

        ConnectResult result = await TryConnectAsync(closed, Options());

        Assert.Equal(ConnectFailure.Unreachable, result.Failure);
        Assert.Equal(DeliveryOutcome.Deferred, result.Problem!.Outcome);
        Assert.Equal("4.4.1", result.Problem.Status);
        Assert.StartsWith($"connect to {Name(closed)}: ", result.Problem.Diagnostic);
    }

    [Fact]
    public async Task ResolvesAHostNameForTheDialogue()
    {
        await using var peer = await AiosmtpdPeer.StartAsync();
        await using var client = new SmtpRelayClient(Options());

        ConnectResult result = await client.ConnectAsync("localhost", peer.EndPoint.Port, CancellationToken.None);

        Assert.True(result.IsConnected, result.ToString());
        Assert.StartsWith("localhost[", client.Peer);
    }
}
