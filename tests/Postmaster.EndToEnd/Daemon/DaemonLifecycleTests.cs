using System.Text.RegularExpressions;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Daemon;

/// <summary>Start, reload, stop and privileges of the daemon process.</summary>
public sealed class DaemonLifecycleTests
{
    [Fact]
    public async Task ReloadsOnSighupAndKeepsTheOldConfigurationWhenTheNewOneIsBroken()
    {
        await using var daemon = await DaemonProcess.StartAsync("@example.org maildir(/var/vmail/$USER/)");
        string original = File.ReadAllText(daemon.ConfigPath);

        File.WriteAllText(daemon.ConfigPath, original + "@example.com maildir(/var/vmail/com/$USER/)\n");
        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLogAsync("reloaded");
        Assert.Equal("250 2.1.5", await RcptAsync(daemon, "x@example.com"));

        File.WriteAllText(daemon.ConfigPath, original + "@example.net frob(x)\nmax-recipients 5\n");
        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLogAsync("reload refused");
        Assert.Matches(new Regex(@"postmaster\.cf:\d+:\d+: unknown mailer ""frob"""), daemon.Log);
        Assert.Equal("250 2.1.5", await RcptAsync(daemon, "x@example.com"));   // the running table stays
        Assert.False(daemon.HasExited);
    }

    static async Task<string> RcptAsync(DaemonProcess daemon, string recipient)
    {
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);
        await dialog.SendAsync($"EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<{recipient}>\r\nQUIT\r\n");
        return (await dialog.ReadRepliesAsync(4))[2][..9];
    }

    [Fact]
    public async Task LetsATransactionInProgressFinishOnSigterm()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);
        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: late\r\n");
        await dialog.ReadRepliesAsync(4);

        daemon.Signal(DaemonProcess.SIGTERM);
        await daemon.WaitForLogAsync("stopping");
        await dialog.SendAsync("\r\nfinished during shutdown\r\n.\r\n");

        Assert.StartsWith("250 2.0.0 Ok: queued as", (await dialog.ReadRepliesAsync(1))[0]);
        Assert.Equal(0, await daemon.StopAsync());
        Assert.Single(daemon.QueuedIds);
    }

    [Fact]
    public async Task ExitsZeroWhenSignalledAgainWhileStopping()
    {
        await using var daemon = await DaemonProcess.StartAsync();

        daemon.Signal(DaemonProcess.SIGTERM);
        daemon.Signal(DaemonProcess.SIGINT);    // Ctrl-C while systemd's SIGTERM is being handled
        daemon.Signal(DaemonProcess.SIGTERM);

        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact]
    public async Task RefusesToStartOnABrokenConfiguration()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("bad.cf", "listen 127.0.0.1:99999\n");

        ProcessResult result = await PostmasterBinary.RunAsync("-c", file, "daemon");

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.StartsWith($"{file}:1:8: ", Assert.Single(result.ErrorLines));
    }

    [SkippableFact]
    public async Task BecomesTheConfiguredUserWhenStartedAsRoot()
    {
        Skip.IfNot(Environment.UserName == "root", "needs root to create a user and drop to it");
        await using var daemon = await DaemonProcess.StartAsync();   // as root it sets "user pm-e2e"
        ProcessResult id = await ProcessRunner.RunAsync("id", ["-u", DaemonProcess.TestUserName]);
        Assert.True(id.ExitCode == 0, id.ToString());

        string status = File.ReadAllText($"/proc/{daemon.ProcessId}/status");
        string uid = id.StandardOutput.Trim();
        Assert.Matches(new Regex($@"(?m)^Uid:\s+{uid}\s+{uid}\s+{uid}\s+{uid}$"), status);
        Assert.Matches(new Regex(@"(?m)^Groups:\s+\d+\s*$"), status);   // supplementary groups dropped too
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);
        await dialog.SendAsync("EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n\r\nbody\r\n.\r\n");
        Assert.Equal(new[] { 250, 250, 250, 354, 250 }, await dialog.ReadReplyCodesAsync(5));
    }

    [SkippableFact]
    public async Task SaysClearlyWhenTheUserDoesNotExist()
    {
        Skip.IfNot(Environment.UserName == "root", "only root switches users");
        using var dir = new TempDirectory();
        string file = dir.Write("user.cf", $"listen 127.0.0.1:0\nspool {dir.Path}/spool\nuser no-such-user-pm\n");

        ProcessResult result = await PostmasterBinary.RunAsync("-c", file, "daemon");

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Contains("no such user \"no-such-user-pm\"", result.StandardError);
        Assert.DoesNotContain("Exception", result.StandardError);
    }
}
