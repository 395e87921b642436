using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Spf;

/// <summary>libspf2 is optional (DESIGN.md §6). POSTMASTER_LIBSPF2 naming a file that does not exist makes the
/// binary behave as if the package were not installed.</summary>
public sealed class SpfWithoutLibraryTests
{
    const string Missing = "/nonexistent/libspf2.so.2";
    static readonly Dictionary<string, string> WithoutLibspf2 = new() { ["POSTMASTER_LIBSPF2"] = Missing };

    [Fact]
    public async Task CheckConfigRefusesSpfRejectInOneLocatedLine()
    {
        using var directory = new TempDirectory();
        string config = directory.Write("postmaster.cf", "hostname mx.test.example\nspf reject\n@example.org maildir(/tmp/x/)\n");

        ProcessResult result = await PostmasterBinary.RunAsync(["-c", config, "check-config"], WithoutLibspf2);

        Assert.Equal(78, result.ExitCode);
        Assert.Equal($"{config}:2:5: spf: reject needs libspf2, which cannot be loaded ({Missing}: cannot open shared object file: " +
            "No such file or directory); install libspf2-2, or use tag or off", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task CheckConfigSaysSpfIsUnavailableAndAcceptsTag()
    {
        using var directory = new TempDirectory();
        string config = directory.Write("postmaster.cf", "hostname mx.test.example\n@example.org maildir(/tmp/x/)\n");

        ProcessResult result = await PostmasterBinary.RunAsync(["-c", config, "check-config"], WithoutLibspf2);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"spf: unavailable, libspf2 cannot be loaded ({Missing}: cannot open shared object file: No such file or directory); " +
            "mail is accepted without SPF checks\n", result.StandardOutput);
    }

    [Fact]
    public async Task CheckConfigSaysNothingAboutSpfWhenTheLibraryIsThere()
    {
        using var directory = new TempDirectory();
        string config = directory.Write("postmaster.cf", "hostname mx.test.example\nspf reject\n@example.org maildir(/tmp/x/)\n");

        ProcessResult result = await PostmasterBinary.RunAsync("-c", config, "check-config");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("unavailable", result.StandardOutput);
    }

    [Fact]
    public async Task TheDaemonRunsAndTakesMailWithoutSpfChecks()
    {
        // An untrusted loopback client: with libspf2 it would get "Received-SPF: pass (... localhost ...)".
        await using DaemonProcess daemon = await DaemonProcess.StartAsync(extraSettings: "trusted-networks none",
            environment: WithoutLibspf2);
        await daemon.WaitForLogAsync($"spf tag: libspf2 is not available ({Missing}: cannot open shared object file");
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);

        await dialog.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n");
        string[] replies = await dialog.ReadRepliesAsync(4);
        await dialog.SendAsync("Subject: x\r\n\r\nhello\r\n.\r\n");

        Assert.StartsWith("354", replies[3]);
        Assert.StartsWith("250", (await dialog.ReadRepliesAsync(1))[0]);
        Assert.DoesNotContain("Received-SPF", daemon.MessageText(Assert.Single(daemon.QueuedIds)));
    }

    [Fact]
    public async Task TheDaemonRefusesToStartWithSpfReject()
    {
        using var directory = new TempDirectory();
        string config = directory.Write("postmaster.cf", "hostname mx.test.example\nlisten 127.0.0.1:1\nspf reject\n");

        ProcessResult result = await PostmasterBinary.RunAsync(["-c", config, "daemon"], WithoutLibspf2);

        Assert.Equal(78, result.ExitCode);
        Assert.StartsWith($"{config}:3:5: spf: reject needs libspf2", Assert.Single(result.ErrorLines));
    }
}
