using System.Text;
using Postmaster.Smtp.Protocol;
using Xunit;

namespace Postmaster.Tests.Smtp.Server;

/// <summary>The session's dialogue over in-memory pipes, with a real spool on disk.</summary>
public sealed class SmtpSessionTests
{
    const string Transaction =
        "EHLO client.example\r\nMAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.org>\r\n" +
        "RCPT TO:<carol@elsewhere.example>\r\nDATA\r\n";
    const string Body = "Subject: hello\r\n\r\nHi Bob.\r\n..leading dot\r\n.\r\n";

    [Fact]
    public async Task GreetsWithTheBanner()
    {
        await using var dialog = InMemorySession.Start();

        Assert.Equal(["220 mx.example.org ESMTP Postmaster"], await dialog.ReadRepliesAsync(1));
    }

    [Fact]
    public async Task AdvertisesTheExtensionsOfTheDesign()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO client.example\r\n");
        await dialog.ReadRepliesAsync(1);

        Assert.Equal(["250-mx.example.org", "250-PIPELINING", "250-8BITMIME", "250-SIZE 52428800", "250 ENHANCEDSTATUSCODES"],
            dialog.Transcript.Skip(1).Select(line => line.StartsWith("250-mx.example.org") ? "250-mx.example.org" : line));
    }

    [Fact]
    public async Task AnswersAPipelinedTransactionInOrderAndQueuesTheMessage()
    {
        await using var dialog = InMemorySession.Start(client: "127.0.0.1");
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync(Transaction + Body);

        // carol@elsewhere.example: no @ route, so no route at all
        Assert.Equal(new[] { 250, 250, 250, 550, 354, 250 }, await dialog.ReadReplyCodesAsync(6));
        var queued = Assert.Single(dialog.Queued);
        Assert.Contains($"250 2.0.0 Ok: queued as {queued}", dialog.Transcript);
        string message = dialog.MessageText(queued);
        Assert.StartsWith("Received: from client.example (localhost [127.0.0.1])\r\n\tby mx.example.org (Postmaster) with ESMTP id " + queued, message);
        Assert.EndsWith("\r\nSubject: hello\r\n\r\nHi Bob.\r\n.leading dot\r\n", message);
    }

    [Fact]
    public async Task GivesTheSameRepliesWhenTheDialogueArrivesByteByByte()
    {
        await using var dialog = InMemorySession.Start(client: "127.0.0.1");
        await dialog.ReadRepliesAsync(1);

        foreach (byte b in Encoding.ASCII.GetBytes(Transaction + Body))
            await dialog.SendBytesAsync([b]);

        Assert.Equal(new[] { 250, 250, 250, 550, 354, 250 }, await dialog.ReadReplyCodesAsync(6));
        Assert.Single(dialog.Queued);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "MAIL FROM:<a@example.net>\r\n", "503 5.5.1" },                          // before HELO
        { "EHLO c\r\nRCPT TO:<bob@example.org>\r\n", "503 5.5.1" },                // RCPT before MAIL
        { "EHLO c\r\nMAIL FROM:<a@example.net>\r\nDATA\r\n", "503 5.5.1" },        // DATA before RCPT
        { "EHLO c\r\nMAIL FROM:<a@example.net>\r\nMAIL FROM:<a@example.net>\r\n", "503 5.5.1" },
        { "FROB\r\n", "500 5.5.2" },
        { "HELP\r\n", "502 5.5.1" }, { "EXPN staff\r\n", "502 5.5.1" }, { "TURN\r\n", "502 5.5.1" },
        { "SEND FROM:<a@b>\r\n", "502 5.5.1" }, { "SOML FROM:<a@b>\r\n", "502 5.5.1" }, { "SAML FROM:<a@b>\r\n", "502 5.5.1" },
        { "EHLO\r\n", "501 5.5.4" },
        { "EHLO c\r\nMAIL FROM:<a@example.net> FROB=1\r\n", "555 5.5.4" },
        { "EHLO c\r\nMAIL FROM:<a@example.net> SIZE=52428801\r\n", "552 5.3.4" },
        { "EHLO c\r\nMAIL FROM:a@example.net\r\n", "501 5.1.7" },
        { "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<no-such-user@mx.example.org>\r\n", "550 5.1.1" },
        { "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<someone@elsewhere.example>\r\n", "554 5.7.1" },
        { "EHLO c\r\nSTARTTLS\r\n", "454 4.7.0" },                                  // no certificate here
        { "EHLO c\r\nVRFY no-such-user@mx.example.org\r\n", "550 5.1.1" },
        { "EHLO c\r\nVRFY someone@elsewhere.example\r\n", "554 5.7.1" },
    };

    [Theory, MemberData(nameof(Refusals))]
    public async Task RefusesWithTheRightCodes(string input, string expected)
    {
        await using var dialog = InMemorySession.Start("@ relay(smarthost.example.net)\n@example.org maildir(/var/vmail/$USER/)");
        await dialog.ReadRepliesAsync(1);
        int commands = input.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length;

        await dialog.SendAsync(input);

        string last = (await dialog.ReadRepliesAsync(commands))[^1];
        Assert.StartsWith(expected + " ", last);
    }

    public static TheoryData<string, string> Acceptances => new()
    {
        { "RCPT TO:<postmaster>", "250 2.1.5" },
        { "RCPT TO:<PostMaster>", "250 2.1.5" },
        { "RCPT TO:<postmaster@mx.example.org>", "250 2.1.5" },
        { "RCPT TO:<postmaster@example.org>", "250 2.1.5" },
        { "RCPT TO:<anyone@example.org>", "250 2.1.5" },
        { "VRFY anyone@example.org", "252 2.5.2" },
        { "VRFY postmaster", "252 2.5.2" },
    };

    [Theory, MemberData(nameof(Acceptances))]
    public async Task AcceptsWhatTheTableRoutes(string command, string expected)
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync($"EHLO c\r\nMAIL FROM:<>\r\n{command}\r\n");

        Assert.StartsWith(expected + " ", (await dialog.ReadRepliesAsync(3))[2]);
    }

    [Fact]
    public async Task RelaysOnlyForTrustedClients()
    {
        const string config = "@ relay(smarthost.example.net)";
        await using var trusted = InMemorySession.Start(config, client: "127.0.0.1");
        await using var stranger = InMemorySession.Start(config, client: "198.51.100.7");
        const string input = "EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<x@elsewhere.example>\r\n";

        await trusted.ReadRepliesAsync(1);
        await trusted.SendAsync(input);
        await stranger.ReadRepliesAsync(1);
        await stranger.SendAsync(input);

        Assert.StartsWith("250 2.1.5", (await trusted.ReadRepliesAsync(3))[2]);
        Assert.StartsWith("554 5.7.1", (await stranger.ReadRepliesAsync(3))[2]);
    }

    [Fact]
    public async Task AcceptsMaxRecipientsAndNotOneMore()
    {
        await using var dialog = InMemorySession.Start("max-recipients 100\n@example.org maildir(/var/vmail/$USER/)");
        await dialog.ReadRepliesAsync(1);
        var input = new StringBuilder("EHLO c\r\nMAIL FROM:<a@example.net>\r\n");
        for (int i = 0; i <= 100; i++)
            input.Append($"RCPT TO:<r{i}@example.org>\r\n");

        await dialog.SendAsync(input.ToString());

        int[] codes = await dialog.ReadReplyCodesAsync(103);
        Assert.All(codes[2..102], code => Assert.Equal(250, code));
        Assert.Equal(452, codes[102]);
        Assert.Contains("452 4.5.3 ", dialog.Transcript[^1]);
    }

    [Fact]
    public async Task SkipsACommandLineThatIsTooLongAndGoesOn()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("NOOP " + new string('x', LineFramer.MaxCommandLine) + "\r\nNOOP\r\n");

        Assert.Equal(new[] { 500, 250 }, await dialog.ReadReplyCodesAsync(2));
        Assert.StartsWith("500 5.5.2", dialog.Transcript[1]);
    }

    [Fact]
    public async Task AcceptsACommandLineOfExactly512Octets()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("NOOP " + new string('x', LineFramer.MaxCommandLine - 7) + "\r\n");

        Assert.Equal(new[] { 250 }, await dialog.ReadReplyCodesAsync(1));
    }

    [Fact]
    public async Task DisconnectsAClientThatKeepsMakingErrors()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync(string.Concat(Enumerable.Repeat("FROB\r\n", Postmaster.Smtp.Server.SmtpSession.MaxProtocolErrors)) + "NOOP\r\n");

        int[] codes = await dialog.ReadReplyCodesAsync(Postmaster.Smtp.Server.SmtpSession.MaxProtocolErrors + 1);
        Assert.Equal(421, codes[^1]);
        Assert.True(await dialog.ServerClosedAsync());
    }

    [Theory]
    [InlineData("NOOP\n")]
    [InlineData("NO\rOP\r\n")]
    public async Task ClosesOnABareLineEndingInACommand(string input)
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync(input);

        Assert.StartsWith("521 5.5.2", (await dialog.ReadRepliesAsync(1))[0]);
        Assert.True(await dialog.ServerClosedAsync());
    }

    // SMTP smuggling: none of these may end the data early or let a second message through.
    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r\n")]
    [InlineData("\r\n.\r")]
    [InlineData("\r\n\x00.\r\n")]
    [InlineData("\r\n.\x00\r\n")]
    public async Task LetsNoSecondMessageThrough(string smuggledEnd)
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);
        string smuggled = "MAIL FROM:<evil@example.net>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nSubject: forged\r\n\r\nforged\r\n.\r\n";

        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n" +
                               "Subject: real\r\n\r\nreal" + smuggledEnd + smuggled + "QUIT\r\n");
        await dialog.CloseAsync();

        await dialog.ServerClosedAsync();
        // The smuggled MAIL FROM was never taken as a command: one sender reply, at most one message.
        Assert.Single(dialog.Transcript, line => line.StartsWith("250 2.1.0"));
        Assert.True(dialog.Queued.Length <= 1, string.Join(" | ", dialog.Transcript));
    }

    [Fact]
    public async Task RefusesATextLineOver1000OctetsAfterTheData()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n" +
                               new string('x', 999) + "\r\n.\r\nNOOP\r\n");

        string[] replies = await dialog.ReadRepliesAsync(6);
        Assert.StartsWith("500 5.5.2", replies[4]);
        Assert.StartsWith("250", replies[5]);
        Assert.Empty(dialog.Queued);
    }

    [Fact]
    public async Task RefusesAMessageOverTheSizeLimitAtTheEnd()
    {
        await using var dialog = InMemorySession.Start("max-message-size 1K\n@example.org maildir(/var/vmail/$USER/)");
        await dialog.ReadRepliesAsync(1);
        string line = new string('y', 70) + "\r\n";

        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n" +
                               string.Concat(Enumerable.Repeat(line, 20)) + ".\r\n");

        Assert.StartsWith("552 5.3.4", (await dialog.ReadRepliesAsync(5))[4]);
        Assert.Empty(dialog.Queued);
    }

    [Theory]
    [InlineData(99, "250 2.0.0")]
    [InlineData(100, "554 5.4.6")]
    public async Task RefusesAMessageThatHasTravelledTooFar(int hops, string expected)
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);
        string headers = string.Concat(Enumerable.Range(0, hops).Select(i => $"Received: from hop{i}.example by x; date\r\n"));

        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n" +
                               headers + "Subject: loop\r\n\r\nbody\r\n.\r\n");

        Assert.StartsWith(expected, (await dialog.ReadRepliesAsync(5))[4]);
    }

    [Fact]
    public async Task ForgetsTheTransactionOnRset()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRSET\r\nRCPT TO:<bob@example.org>\r\n");

        Assert.Equal(new[] { 250, 250, 250, 503 }, await dialog.ReadReplyCodesAsync(4));
    }

    [Fact]
    public async Task QueuesNothingWhenTheClientLeavesDuringData()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: half\r\n");
        await dialog.ReadRepliesAsync(4);
        await dialog.CloseAsync();

        Assert.True(await dialog.ServerClosedAsync());
        Assert.Empty(dialog.Queued);
        Assert.Empty(Directory.GetFiles(Path.Combine(dialog.Spool.Root, "tmp")));
    }

    [Fact]
    public async Task ClosesAnIdleSessionAfterFiveMinutes()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        dialog.Time.Advance(TimeSpan.FromMinutes(4));
        await dialog.SendAsync("NOOP\r\n");
        Assert.Equal(new[] { 250 }, await dialog.ReadReplyCodesAsync(1));
        dialog.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.StartsWith("421 4.4.2", (await dialog.ReadRepliesAsync(1))[0]);
        Assert.True(await dialog.ServerClosedAsync());
    }

    [Fact]
    public async Task SaysGoodbyeToAnIdleSessionOnShutdown()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        dialog.Server.BeginShutdown();

        Assert.StartsWith("421 4.3.2", (await dialog.ReadRepliesAsync(1))[0]);
        Assert.True(await dialog.ServerClosedAsync());
    }

    [Fact]
    public async Task HangsUpOnHttp()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("GET / HTTP/1.1\r\nHost: mx.example.org\r\n\r\n");

        Assert.Equal(new[] { 500 }, await dialog.ReadReplyCodesAsync(1));
        Assert.True(await dialog.ServerClosedAsync());
    }

    [Fact]
    public async Task EndsWithQuit()
    {
        await using var dialog = InMemorySession.Start();
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("QUIT\r\n");

        Assert.StartsWith("221 2.0.0", (await dialog.ReadRepliesAsync(1))[0]);
        Assert.True(await dialog.ServerClosedAsync());
    }
}
