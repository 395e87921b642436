using System.Diagnostics;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Policy;

/// <summary><c>policy dso(...)</c> through the real binary: plugins built with gcc from C, loaded by the daemon and
/// check-config; the sample refusing in the dialogue, plugins that hang, answer garbage or do not fit the ABI.</summary>
public sealed class PolicyPluginTests : IDisposable
{
    readonly PolicyPlugins _plugins = new();

    public void Dispose() => _plugins.Dispose();

    // Loopback clients are trusted by default; these tests talk as an outsider would.
    static string Settings(string policies) => $"trusted-networks none\npolicy {policies}\npolicy-timeout 2s";

    static async Task<SmtpDialog> GreetedAsync(DaemonProcess daemon)
    {
        SmtpDialog dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);
        await dialog.SendAsync("EHLO client.test\r\n");
        await dialog.ReadRepliesAsync(1);
        return dialog;
    }

    static async Task<string> AskAsync(SmtpDialog dialog, string command)
    {
        await dialog.SendAsync(command + "\r\n");
        return (await dialog.ReadRepliesAsync(1))[0];
    }

    [Fact]
    public async Task TheSamplePluginRefusesTheSpammerInTheDialogueAndLetsOthersThrough()
    {
        string sample = await _plugins.SampleAsync();
        await using var daemon = await DaemonProcess.StartAsync(extraSettings: Settings($"dso({sample})"));
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);

        Assert.Equal("550 5.7.1 HELO spammer.example is not welcome here", await AskAsync(dialog, "EHLO spammer.example"));
        Assert.StartsWith("250 ", await AskAsync(dialog, "EHLO client.test"));
        Assert.Equal("550 5.7.1 Mail from spammer.example is not accepted here", await AskAsync(dialog, "MAIL FROM:<eve@spammer.example>"));
        Assert.Equal("451 4.7.1 Senders at tempfail.example must try again later", await AskAsync(dialog, "MAIL FROM:<tom@tempfail.example>"));
        Assert.StartsWith("250 ", await AskAsync(dialog, "MAIL FROM:<alice@example.net>"));
        Assert.StartsWith("250 ", await AskAsync(dialog, "RCPT TO:<bob@example.org>"));
        Assert.StartsWith("354 ", await AskAsync(dialog, "DATA"));
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await AskAsync(dialog, "Subject: hello\r\n\r\nHello.\r\n."));

        Assert.Single(daemon.QueuedIds);
        await daemon.WaitForLogAsync($"policy=dso({sample}) loaded");
        await daemon.WaitForLogAsync($"policy=dso({sample}) stage=mail verdict=reject reply=\"550 5.7.1 Mail from spammer.example is not accepted here\"");
        await daemon.WaitForLogAsync($"policy=dso({sample}) stage=helo verdict=reject");
    }

    [Fact]
    public async Task AHangingPluginCostsA451AtTheTimeLimitIsSkippedWhileStuckAndTheDaemonKeepsServing()
    {
        string hang = await _plugins.TestAsync("hang", "HANG=5");
        await using var daemon = await DaemonProcess.StartAsync(extraSettings: Settings($"dso({hang})"));
        await using var dialog = await GreetedAsync(daemon);

        var clock = Stopwatch.StartNew();
        Assert.Equal("451 4.3.5 Policy check failed; try again later", await AskAsync(dialog, "MAIL FROM:<hang@example.net>"));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(4));

        // Stuck: refused at once, not after another 2 s; a plugin is asked at connect too, so a new client is
        // turned away with the greeting.
        clock.Restart();
        Assert.Equal("451 4.3.5 Policy check failed; try again later", await AskAsync(dialog, "MAIL FROM:<alice@example.net>"));
        await using (var other = await SmtpDialog.ConnectAsync(daemon.Port))
            Assert.Equal(["421 4.3.5 Policy check failed; try again later"], await other.ReadRepliesAsync(1));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed}");
        await daemon.WaitForLogAsync($"policy=dso({hang}) stuck: a check has not returned after ");
        await daemon.WaitForLogAsync($"policy=dso({hang}) stage=mail problem: stuck: a check has not returned for");

        // The sleep ends; the plugin is asked again and the mail goes through.
        await daemon.WaitForLogAsync($"policy=dso({hang}) a check returned after 5s, too late", limit: TimeSpan.FromSeconds(10));
        Assert.StartsWith("250 ", await AskAsync(dialog, "MAIL FROM:<alice@example.net>"));
        Assert.StartsWith("250 ", await AskAsync(dialog, "RCPT TO:<bob@example.org>"));
        Assert.StartsWith("354 ", await AskAsync(dialog, "DATA"));
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await AskAsync(dialog, "Subject: hello\r\n\r\nHello.\r\n."));
        Assert.False(daemon.HasExited);
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact]
    public async Task GarbageFromAPluginIsA451AndTheLogNamesThePluginAndTheProblem()
    {
        string garbage = await _plugins.TestAsync("garbage", "GARBAGE");
        await using var daemon = await DaemonProcess.StartAsync(extraSettings: Settings($"dso({garbage})"));
        await using var dialog = await GreetedAsync(daemon);

        Assert.Equal("451 4.3.5 Policy check failed; try again later", await AskAsync(dialog, "MAIL FROM:<verdict@example.net>"));
        Assert.Equal("451 4.3.5 Policy check failed; try again later", await AskAsync(dialog, "MAIL FROM:<code@example.net>"));
        Assert.Equal("451 4.3.5 Policy check failed; try again later", await AskAsync(dialog, "MAIL FROM:<latin1@example.net>"));
        Assert.Equal("451 4.3.5 Policy check failed; try again later", await AskAsync(dialog, "MAIL FROM:<unterminated@example.net>"));
        Assert.Equal("554 5.7.1 Fine rejection", await AskAsync(dialog, "MAIL FROM:<fine@example.net>"));
        Assert.StartsWith("250 ", await AskAsync(dialog, "MAIL FROM:<alice@example.net>"));

        string name = $"policy=dso({garbage}) stage=mail problem:";
        await daemon.WaitForLogAsync($"{name} returned the unknown verdict 42");
        await daemon.WaitForLogAsync($"{name} bad reject reply \"250 2.0.0 ok\"");
        await daemon.WaitForLogAsync($"{name} reply is not UTF-8: \"550 5.7.1 caf\\xe9\"");
        await daemon.WaitForLogAsync($"{name} reply is not NUL-terminated within 512 bytes");
        Assert.False(daemon.HasExited);
    }

    [Theory]
    [InlineData("ABI=2", "implements policy ABI version 2, but this Postmaster speaks version 1")]
    [InlineData("NO_CLEANUP", "no symbol postmaster_policy_cleanup (not a Postmaster policy plugin?)")]
    [InlineData("INIT_FAILS", "init failed: cannot open /nonexistent/plugin.db")]
    public async Task APluginThatDoesNotFitIsAConfigurationErrorForCheckConfigAndTheDaemon(string define, string problem)
    {
        string plugin = await _plugins.TestAsync("unfit", define);
        string sample = await _plugins.SampleAsync();
        string config = Path.Combine(_plugins.Directory, "postmaster.cf");
        string user = Environment.UserName == "root" ? $"user {DaemonProcess.TestUserName}\n" : "";
        File.WriteAllText(config, $"hostname mx.test.example\nlisten 127.0.0.1:{FreePorts.Tcp()}\nspool {_plugins.Directory}/spool\n{user}" +
                                  $"policy dso({sample}),\n  dso({plugin})\n@example.org maildir(/var/vmail/$USER/)\n");
        string expected = $"{config}:{(user.Length > 0 ? 6 : 5)}:7: policy: dso: {plugin}: {problem}";

        ProcessResult check = await PostmasterBinary.RunAsync("-c", config, "check-config");
        Assert.Equal(78, check.ExitCode);
        Assert.Equal([expected], check.ErrorLines);

        if (user.Length > 0)
            await ProcessRunner.RunAsync("sh", ["-c", $"id -u {DaemonProcess.TestUserName} >/dev/null 2>&1 || " +
                                                      $"useradd --system --no-create-home --shell /usr/sbin/nologin {DaemonProcess.TestUserName}"]);
        ProcessResult daemon = await PostmasterBinary.RunAsync("-c", config, "daemon");
        Assert.True(daemon.ExitCode == 78, daemon.ToString());
        Assert.Single(daemon.ErrorLines, line => line.EndsWith($"cannot start: {expected}", StringComparison.Ordinal));
        Assert.DoesNotContain("started", daemon.StandardError);
    }

    [Fact]
    public async Task AReloadKeepsLoadedPluginsLoadsNewOnesAndRefusesAnUnfitOne()
    {
        string sample = await _plugins.SampleAsync();
        string garbage = await _plugins.TestAsync("garbage", "GARBAGE");
        string unfit = await _plugins.TestAsync("unfit", "ABI=3");
        await using var daemon = await DaemonProcess.StartAsync(extraSettings: Settings($"dso({sample})"));
        string original = File.ReadAllText(daemon.ConfigPath);

        File.WriteAllText(daemon.ConfigPath, original.Replace($"dso({sample})", $"dso({sample}), dso({garbage})"));
        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLogAsync("reloaded");
        await using (var dialog = await GreetedAsync(daemon))
        {
            Assert.Equal("550 5.7.1 Mail from spammer.example is not accepted here", await AskAsync(dialog, "MAIL FROM:<eve@spammer.example>"));
            Assert.Equal("554 5.7.1 Fine rejection", await AskAsync(dialog, "MAIL FROM:<fine@example.net>"));
        }
        Assert.Single(daemon.Log.Split('\n'), line => line.EndsWith($"policy=dso({sample}) loaded"));
        Assert.Single(daemon.Log.Split('\n'), line => line.EndsWith($"policy=dso({garbage}) loaded"));

        File.WriteAllText(daemon.ConfigPath, original.Replace($"dso({sample})", $"dso({unfit})"));
        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLogAsync("reload refused");
        await daemon.WaitForLogAsync($"reload: {daemon.ConfigPath}:");
        await daemon.WaitForLogAsync($"policy: dso: {unfit}: implements policy ABI version 3");
        await using (var dialog = await GreetedAsync(daemon))   // the running configuration stays
            Assert.Equal("554 5.7.1 Fine rejection", await AskAsync(dialog, "MAIL FROM:<fine@example.net>"));
    }

}
