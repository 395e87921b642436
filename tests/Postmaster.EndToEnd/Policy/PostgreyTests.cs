using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Policy;

/// <summary><c>policy socket(...)</c> against a real policy server from Debian: postgrey greylists the first attempt
/// and lets the retry through once its delay has passed.</summary>
public sealed class PostgreyTests
{
    const int Delay = 2;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task GreylistsTheFirstAttemptAndAcceptsTheRetryAfterTheDelay(bool unix)
    {
        await using var postgrey = await Postgrey.StartAsync(unix, Delay);
        // Loopback is trusted by default, and trusted clients are not greylisted; these tests are an outsider.
        // SPF off: its Received-SPF field would come first, and this test is about postgrey's PREPEND.
        await using var daemon = await DaemonProcess.StartAsync(extraSettings: $"trusted-networks none\nspf off\npolicy {postgrey.PolicyEntry}");

        await using (var first = await SmtpDialog.ConnectAsync(daemon.Port))
        {
            await first.ReadRepliesAsync(1);
            await first.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.org>\r\nQUIT\r\n");
            string[] replies = await first.ReadRepliesAsync(4);
            Assert.StartsWith("250 ", replies[1]);
            Assert.StartsWith("450 4.2.0 Greylisted for ", replies[2]);
        }
        Assert.Empty(daemon.QueuedIds);
        Assert.Contains("action=greylist, reason=new", postgrey.Log);

        await Task.Delay(TimeSpan.FromSeconds(Delay + 1.2));   // postgrey counts whole seconds

        await using (var retry = await SmtpDialog.ConnectAsync(daemon.Port))
        {
            await retry.ReadRepliesAsync(1);
            await retry.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n");
            string[] replies = await retry.ReadRepliesAsync(4);
            Assert.StartsWith("250 ", replies[2]);
            Assert.StartsWith("354 ", replies[3]);
            await retry.SendAsync("Subject: greylisted\r\n\r\nHello again.\r\n.\r\nQUIT\r\n");
            Assert.StartsWith("250 2.0.0 Ok: queued as ", (await retry.ReadRepliesAsync(2))[0]);
        }

        string id = Assert.Single(daemon.QueuedIds);
        // postgrey's PREPEND on the pass: above our Received field.
        Assert.Matches(@"^X-Greylist: delayed \d+ seconds by postgrey-[\d.]+ at .+\r\nReceived: from client\.test ", daemon.MessageText(id));
        Assert.Contains("action=pass, reason=triplet found", postgrey.Log);
        await daemon.WaitForLogAsync($"policy={postgrey.PolicyEntry} stage=rcpt verdict=defer reply=\"450 4.2.0 Greylisted for ");
    }
}
