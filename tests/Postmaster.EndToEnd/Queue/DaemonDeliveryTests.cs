using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Queue;

/// <summary>The daemon's queue runner delivers what it accepted: into Maildirs, as the system user where
/// the recipient is one, and leaves the queue empty.</summary>
public sealed class DaemonDeliveryTests
{
    [Fact]
    public async Task DeliversAcceptedMailIntoTheMaildirAndEmptiesTheQueue()
    {
        using var mail = new TempDirectory();
        File.SetUnixFileMode(mail.Path, (UnixFileMode)0b111_111_111);   // the daemon's user creates the Maildirs
        await using var daemon = await DaemonProcess.StartAsync($"@example.org maildir({mail.Path}/$USER/)");
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@example.net>\r\nRCPT TO:<Bob@example.org>\r\n" +
                               "RCPT TO:<carol+news@example.org>\r\nDATA\r\n");
        await dialog.ReadRepliesAsync(5);
        await dialog.SendAsync("Subject: delivered\r\n\r\nHello.\r\n..dot\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", (await dialog.ReadRepliesAsync(1))[0]);

        string bob = await WaitForOneFileAsync(Path.Combine(mail.Path, "bob", "new"));
        string carol = await WaitForOneFileAsync(Path.Combine(mail.Path, "carol", "new"));
        foreach (string delivered in new[] { bob, carol })
        {
            string text = File.ReadAllText(delivered);
            Assert.Contains("Received: from client.test", text);
            Assert.EndsWith("Subject: delivered\n\nHello.\n.dot\n", text);   // mailboxes hold LF lines
        }
        await daemon.WaitForLogAsync("removed: all 2 recipients done");
        Assert.Empty(daemon.QueuedIds);
        Assert.Empty(Directory.GetFiles(Path.Combine(mail.Path, "bob", "tmp")));
    }

    static async Task<string> WaitForOneFileAsync(string directory)
    {
        for (int i = 0; i < 400; i++)
        {
            if (Directory.Exists(directory) && Directory.GetFiles(directory) is [var file])
                return file;
            await Task.Delay(25);
        }
        throw new TimeoutException($"nothing delivered into {directory}");
    }
}
