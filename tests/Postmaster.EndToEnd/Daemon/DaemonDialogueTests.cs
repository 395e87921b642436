using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Daemon;

/// <summary>The SMTP daemon through the real binary: banner, limits, abuse cases, spool on disk.</summary>
public sealed class DaemonDialogueTests
{
    [Fact]
    public async Task GreetsOnEveryListenerAndStopsCleanlyOnSigterm()
    {
        await using var daemon = await DaemonProcess.StartAsync(ipv6: true);

        await using (var v4 = await SmtpDialog.ConnectAsync(daemon.Port))
            Assert.Equal([$"220 {DaemonProcess.Hostname} ESMTP Postmaster"], await v4.ReadRepliesAsync(1));
        await using (var v6 = await SmtpDialog.ConnectAsync(daemon.Port, "::1"))
            Assert.Equal([$"220 {DaemonProcess.Hostname} ESMTP Postmaster"], await v6.ReadRepliesAsync(1));

        Assert.Equal(0, await daemon.StopAsync());
        Assert.Contains("stopped", daemon.Log);
    }

    [Fact]
    public async Task QueuesAPipelinedTransactionDurablyWithItsEnvelope()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@example.net> BODY=8BITMIME\r\n" +
                               "RCPT TO:<bob@example.org>\r\nRCPT TO:<no-such-user@mx.test.example>\r\nDATA\r\n");
        Assert.Equal(new[] { 250, 250, 250, 550, 354 }, await dialog.ReadReplyCodesAsync(5));
        await dialog.SendAsync("Subject: test\r\n\r\nHello Bob.\r\n.\r\nQUIT\r\n");
        string[] end = await dialog.ReadRepliesAsync(2);

        string id = Assert.Single(daemon.QueuedIds);
        Assert.Equal($"250 2.0.0 Ok: queued as {id}", end[0]);
        Assert.StartsWith("221 2.0.0", end[1]);
        Assert.StartsWith($"Received: from client.test (", daemon.MessageText(id));
        Assert.EndsWith("\r\nSubject: test\r\n\r\nHello Bob.\r\n", daemon.MessageText(id));
        string envelope = daemon.EnvelopeText(id);
        Assert.Contains("<alice@example.net>", envelope);
        Assert.Contains("<bob@example.org>", envelope);
        Assert.Contains("maildir(/var/vmail/bob/)", envelope);
        await daemon.WaitForLogAsync($"{id} queued from=<alice@example.net> nrcpt=1");
        Assert.Contains($"{id} accepted to=<bob@example.org>", daemon.Log);
        Assert.Contains("rejected to=<no-such-user@mx.test.example>", daemon.Log);
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r\n")]
    [InlineData("\r\n.\r")]
    [InlineData("\r\n\x00.\r\n")]
    [InlineData("\r\n.\x00\r\n")]
    public async Task LetsNoSmuggledMessageThrough(string smuggledEnd)
    {
        await using var daemon = await DaemonProcess.StartAsync();
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n");
        await dialog.ReadRepliesAsync(4);
        await dialog.SendAsync("Subject: real\r\n\r\nreal" + smuggledEnd +
                               "MAIL FROM:<evil@example.net>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n" +
                               "Subject: forged\r\n\r\nforged\r\n.\r\nQUIT\r\n");
        await dialog.ServerClosesAsync();

        Assert.Single(dialog.Transcript, line => line.StartsWith("250 2.1.0"));   // the real MAIL only, never the smuggled one
        Assert.True(daemon.QueuedIds.Length <= 1, string.Join(" | ", dialog.Transcript));
        foreach (string id in daemon.QueuedIds)
            Assert.DoesNotContain("<victim@example.org>", daemon.EnvelopeText(id));
    }

    [Fact]
    public async Task RefusesPlaintextPipelinedAfterStartTls()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);
        await dialog.SendAsync("EHLO c\r\n");
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("STARTTLS\r\nMAIL FROM:<evil@example.net>\r\n");

        Assert.StartsWith("554 5.5.1", (await dialog.ReadRepliesAsync(1))[0]);
        Assert.True(await dialog.ServerClosesAsync());
    }

    [Fact]
    public async Task RelaysOnlyForTrustedNetworks()
    {
        await using var daemon = await DaemonProcess.StartAsync("@ relay(smarthost.example.net)\n@example.org maildir(/var/vmail/$USER/)",
            extraSettings: "trusted-networks 192.0.2.0/24");
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<x@elsewhere.example>\r\nRCPT TO:<bob@example.org>\r\n");

        string[] replies = await dialog.ReadRepliesAsync(4);
        Assert.StartsWith("554 5.7.1", replies[2]);
        Assert.StartsWith("250 2.1.5", replies[3]);
        await daemon.WaitForLogAsync("reason=\"relaying for an untrusted client\"");
    }

    [Fact]
    public async Task LimitsConnectionsPerClient()
    {
        // Loopback is trusted by default, and trusted clients are held to max-connections only: be an outsider.
        await using var daemon = await DaemonProcess.StartAsync(extraSettings: "max-connections-per-client 2\ntrusted-networks none");
        await using var first = await SmtpDialog.ConnectAsync(daemon.Port);
        await using var second = await SmtpDialog.ConnectAsync(daemon.Port);
        await first.ReadRepliesAsync(1);
        await second.ReadRepliesAsync(1);

        await using var third = await SmtpDialog.ConnectAsync(daemon.Port);

        Assert.StartsWith("421 4.7.0", (await third.ReadRepliesAsync(1))[0]);
        Assert.True(await third.ServerClosesAsync());
        await first.SendAsync("NOOP\r\n");
        Assert.Equal(new[] { 250 }, await first.ReadReplyCodesAsync(1));   // the others are not disturbed
    }


    [Fact]
    public async Task ClientsInTrustedNetworksAreHeldOnlyToTheOverallLimit()
    {
        await using var daemon = await DaemonProcess.StartAsync(extraSettings: "max-connections-per-client 2\nmax-connections 3");
        await using var first = await SmtpDialog.ConnectAsync(daemon.Port);
        await using var second = await SmtpDialog.ConnectAsync(daemon.Port);
        await using var third = await SmtpDialog.ConnectAsync(daemon.Port);
        Assert.StartsWith("220 ", (await third.ReadRepliesAsync(1))[0]);      // over the per-client limit, but trusted

        await using var fourth = await SmtpDialog.ConnectAsync(daemon.Port);
        Assert.StartsWith("421 4.7.0", (await fourth.ReadRepliesAsync(1))[0]);   // max-connections still holds
    }
    [Fact]
    public async Task AnIdleClientDelaysNoOther()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        await using var idle = await SmtpDialog.ConnectAsync(daemon.Port);
        await idle.ReadRepliesAsync(1);
        await idle.SendAsync("EHLO idle\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: never ends");
        await idle.ReadRepliesAsync(4);

        await using var busy = await SmtpDialog.ConnectAsync(daemon.Port);
        await busy.ReadRepliesAsync(1);
        await busy.SendAsync("EHLO busy\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: quick\r\n\r\n.\r\n");

        Assert.Equal(new[] { 250, 250, 250, 354, 250 }, await busy.ReadReplyCodesAsync(5));
    }

    [Fact]
    public async Task SurvivesGarbage()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        var random = new Random(5321);
        for (int i = 0; i < 20; i++)
        {
            await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
            var bytes = new byte[random.Next(1, 4000)];
            random.NextBytes(bytes);
            await dialog.SendBytesAsync(bytes);
            await dialog.ServerClosesAsync(TimeSpan.FromSeconds(2));
        }

        await using var after = await SmtpDialog.ConnectAsync(daemon.Port);
        Assert.Equal(new[] { 220 }, await after.ReadReplyCodesAsync(1));
        Assert.DoesNotContain("internal error", daemon.Log);
    }
}
