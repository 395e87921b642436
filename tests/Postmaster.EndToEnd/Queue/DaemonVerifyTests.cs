using Postmaster.EndToEnd.Support;
using Postmaster.Tests.Smtp.Client.Peers;

namespace Postmaster.EndToEnd.Queue;

/// <summary><c>verify-recipients on</c> through the real binary: the next hop (aiosmtpd, which knows who does not
/// exist) is asked during our own RCPT TO.</summary>
public sealed class DaemonVerifyTests
{
    [Fact]
    public async Task RefusesAnUnknownRelayedRecipientAtRcptAndAcceptsAKnownOne()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--rcpt-reply", "ghost@inside.test=550 5.1.1 <ghost@inside.test>: no mailbox here");
        await using var daemon = await DaemonProcess.StartAsync($"@inside.test relay(127.0.0.1:{peer.EndPoint.Port})", "verify-recipients on");
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@example.org>\r\n");
        await dialog.ReadRepliesAsync(2);
        await dialog.SendAsync("RCPT TO:<ghost@inside.test>\r\n");
        string refused = (await dialog.ReadRepliesAsync(1))[0];
        await dialog.SendAsync("RCPT TO:<bob@inside.test>\r\n");
        string accepted = (await dialog.ReadRepliesAsync(1))[0];

        Assert.Equal("550 5.1.1 <ghost@inside.test>: Recipient address rejected: 550 5.1.1 <ghost@inside.test>: no mailbox here", refused);
        Assert.StartsWith("250", accepted);
        Assert.Contains("verify to=<ghost@inside.test>", daemon.Log);
        Assert.Contains("MAIL FROM:<>", peer.Commands());

        await dialog.SendAsync("DATA\r\n");
        await dialog.ReadRepliesAsync(1);
        await dialog.SendAsync("Subject: verified\r\n\r\nfor bob only\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", (await dialog.ReadRepliesAsync(1))[0]);
        await daemon.WaitForLogAsync("removed: all 1 recipients done");
        Assert.Equal(["bob@inside.test"], Assert.Single(peer.Messages()).RcptTos);
    }

    [Fact]
    public async Task KeepsItsAnswersAcrossAReload()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync();
        await using var daemon = await DaemonProcess.StartAsync($"@inside.test relay(127.0.0.1:{peer.EndPoint.Port})", "verify-recipients on");

        Assert.StartsWith("250", await RcptAsync(daemon, "bob@inside.test"));
        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLogAsync("reloaded");
        Assert.StartsWith("250", await RcptAsync(daemon, "bob@inside.test"));

        Assert.Single(peer.Commands(), c => c == "RCPT TO:<bob@inside.test>");   // asked once: the second came from the cache
    }

    static async Task<string> RcptAsync(DaemonProcess daemon, string recipient)
    {
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);
        await dialog.SendAsync($"EHLO client.test\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<{recipient}>\r\n");
        return (await dialog.ReadRepliesAsync(3))[2];
    }
}
