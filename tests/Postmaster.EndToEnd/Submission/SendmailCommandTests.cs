using System.Text.RegularExpressions;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Submission;

/// <summary><c>postmaster sendmail</c> and the binary run as <c>sendmail</c>, against a running daemon (through
/// its Unix socket) and a stopped one (straight into the spool), as root and as an unprivileged user, and
/// driven by the programs that call sendmail: mailx, PHP's mail() and cron's command line.</summary>
public sealed partial class SendmailCommandTests
{
    /// <summary>Mail to example.org waits in the queue: the next hop never answers, so nothing leaves under the test.</summary>
    public const string Routes = "@example.org relay(127.0.0.1:9)";

    const string Message = "To: Bob <bob@example.org>\nCc: carol@example.org\nBcc: dave@example.org\nSubject: from sendmail\n\nHello.\n.\n";

    static bool IsRoot => Environment.UserName == "root";

    public static Task<ProcessResult> SendmailAsync(DaemonProcess daemon, string input, params string[] arguments) =>
        PostmasterBinary.RunAsync(["-c", daemon.ConfigPath, "sendmail", .. arguments], null, input);

    [Fact]
    public async Task SubmitsThroughTheDaemonsSocket()
    {
        await using var daemon = await DaemonProcess.StartAsync(Routes);

        ProcessResult result = await SendmailAsync(daemon, Message, "-t");

        Assert.True(result.ExitCode == 0, result + daemon.Log);
        Assert.Equal("", result.StandardError);
        string id = Assert.Single(daemon.QueuedIds);
        await daemon.WaitForLogAsync($"{id} queued from=<{Environment.UserName}@{DaemonProcess.Hostname}> nrcpt=3 ");
        string envelope = daemon.EnvelopeText(id);
        Assert.Contains($"from: <{Environment.UserName}@{DaemonProcess.Hostname}>\n", envelope);
        foreach (string rcpt in new[] { "bob", "carol", "dave" })
            Assert.Matches($"rcpt: pending <{rcpt}@example.org> orig=<{rcpt}@example.org> .*mailer=relay\\(127.0.0.1:9\\)\n", envelope);
        string text = daemon.MessageText(id);
        string uid = (await ProcessRunner.RunAsync("id", ["-u"])).StandardOutput.Trim();   // the kernel's word (SO_PEERCRED)
        Assert.StartsWith($"Received: from mx.test.example (local submission, uid {uid})\r\n", text);
        Assert.DoesNotContain("Bcc", text);
        Assert.DoesNotContain("dave", text);
        Assert.Matches(@"\r\nDate: \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n", text);
        Assert.Matches(@"\r\nMessage-ID: <\d{14}\.[0-9A-Z]{14}@mx\.test\.example>\r\n", text);
        Assert.Matches(FromField(Environment.UserName), text);
        Assert.Contains("\r\nSubject: from sendmail\r\n", text);
        Assert.EndsWith("\r\n\r\nHello.\r\n", text);      // the lone dot ended the input
    }

    [Fact]
    public async Task WorksUnderTheNameSendmail()
    {
        await using var daemon = await DaemonProcess.StartAsync(Routes);
        using var bin = new TempDirectory();
        string sendmail = Path.Combine(bin.Path, "sendmail");
        File.CreateSymbolicLink(sendmail, PostmasterBinary.Path);

        ProcessResult result = await ProcessRunner.RunAsync(sendmail, ["-oi", "-f", "alice@example.net", "-F", "Alice A.", "bob"],
            new Dictionary<string, string> { ["POSTMASTER_CONFIG"] = daemon.ConfigPath },
            "Subject: symlink\n\n.\nthe dot above stays (-oi)\n");
        ProcessResult help = await ProcessRunner.RunAsync(sendmail, ["--help"]);

        Assert.True(result.ExitCode == 67, result + daemon.Log);   // bob@mx.test.example: no such user
        Assert.Contains("postmaster sendmail: <bob@mx.test.example>: 550 5.1.1", result.StandardError);
        Assert.Empty(daemon.QueuedIds);
        Assert.StartsWith("Usage: postmaster sendmail", help.StandardOutput);

        result = await ProcessRunner.RunAsync(sendmail, ["-oi", "-f", "alice@example.net", "-F", "Alice A.", "bob@example.org"],
            new Dictionary<string, string> { ["POSTMASTER_CONFIG"] = daemon.ConfigPath },
            "Subject: symlink\n\n.\nthe dot above stays (-oi)\n");
        Assert.True(result.ExitCode == 0, result + daemon.Log);
        string id = Assert.Single(daemon.QueuedIds);
        Assert.Contains("from: <alice@example.net>\n", daemon.EnvelopeText(id));
        Assert.Contains("\r\nFrom: \"Alice A.\" <alice@example.net>\r\n", daemon.MessageText(id));
        Assert.EndsWith("\r\n\r\n.\r\nthe dot above stays (-oi)\r\n", daemon.MessageText(id));
    }

    [SkippableFact]
    public async Task AnUnprivilegedUserSubmitsThroughTheSocket()
    {
        Skip.IfNot(IsRoot, "needs root to run as another user");
        await using var daemon = await DaemonProcess.StartAsync(Routes);

        ProcessResult result = await ProcessRunner.RunAsync("runuser",
            ["-u", "nobody", "--", PostmasterBinary.Path, "-c", daemon.ConfigPath, "sendmail", "bob@example.org"], null,
            "Subject: from nobody\n\nHi.\n");

        Assert.True(result.ExitCode == 0, result + daemon.Log);
        string id = Assert.Single(daemon.QueuedIds);
        Assert.Contains($"from: <nobody@{DaemonProcess.Hostname}>\n", daemon.EnvelopeText(id));
        Assert.Matches(FromField("nobody"), daemon.MessageText(id));
    }

    [SkippableFact]
    public async Task AnUnprivilegedUserWaitsForAStoppedDaemon()
    {
        Skip.IfNot(IsRoot, "needs root to run as another user");
        await using var daemon = await DaemonProcess.StartAsync(Routes);
        await daemon.StopAsync();

        ProcessResult result = await ProcessRunner.RunAsync("runuser",
            ["-u", "nobody", "--", PostmasterBinary.Path, "-c", daemon.ConfigPath, "sendmail", "bob@example.org"], null, "Hi.\n");

        Assert.Equal(75, result.ExitCode);
        Assert.Equal($"postmaster sendmail: the daemon is not running ({daemon.Spool}/submit.sock)\n", result.StandardError);
        Assert.Empty(daemon.QueuedIds);
    }

    [Fact]
    public async Task RootWritesIntoTheSpoolWhenTheDaemonIsStopped()
    {
        await using var daemon = await DaemonProcess.StartAsync(Routes);
        await daemon.StopAsync();

        ProcessResult result = await SendmailAsync(daemon, "Subject: while stopped\n\nHi.\n", "bob@example.org");
        ProcessResult list = await PostmasterBinary.RunAsync("-c", daemon.ConfigPath, "spool", "list");

        Assert.True(result.ExitCode == 0, result.ToString());
        string id = Assert.Single(daemon.QueuedIds);
        Assert.Contains($"{id}  ", list.StandardOutput);
        Assert.Contains("pending    <bob@example.org>  relay(127.0.0.1:9)", list.StandardOutput);
        Assert.StartsWith(IsRoot ? "Received: from local (uid 0)\r\n" : "Received: from local (uid ", daemon.MessageText(id));
        if (IsRoot)
        {
            // Written as the daemon's user, so the daemon can read it when it starts again.
            ProcessResult owner = await ProcessRunner.RunAsync("stat", ["-c", "%U", Path.Combine(daemon.QueueDirectory, id + ".env"),
                Path.Combine(daemon.QueueDirectory, id + ".msg")]);
            Assert.Equal($"{DaemonProcess.TestUserName}\n{DaemonProcess.TestUserName}\n", owner.StandardOutput);
        }
    }

    [Theory]
    [InlineData(new[] { "-Z" }, 64, "postmaster sendmail: unknown option -Z")]
    [InlineData(new string[0], 64, "postmaster sendmail: no recipients given (and no -t)")]
    [InlineData(new[] { "-t" }, 65, "postmaster sendmail: no recipients: none on the command line, none in To:, Cc: or Bcc:")]
    [InlineData(new[] { "nobody@nowhere.example" }, 67, "postmaster sendmail: <nobody@nowhere.example>: 550 5.1.1 No such user here")]
    public async Task ExitsWithSysexitsCodes(string[] arguments, int exitCode, string firstLine)
    {
        await using var daemon = await DaemonProcess.StartAsync(Routes);

        ProcessResult result = await SendmailAsync(daemon, "Subject: t\n\nx\n", arguments);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Equal(firstLine, result.ErrorLines[0]);
        Assert.Empty(daemon.QueuedIds);
    }

    [Fact]
    public async Task RefusesABrokenConfigurationWithExit78()
    {
        using var directory = new TempDirectory();
        string config = directory.Write("broken.cf", "hostname mx.test.example\nspool /nonexistent\nthis is not a setting\n");

        ProcessResult result = await PostmasterBinary.RunAsync(["-c", config, "sendmail", "bob@example.org"], null, "x\n");

        Assert.Equal(78, result.ExitCode);
    }

    [Fact]
    public async Task TakesCronsCommandLine()
    {
        await using var daemon = await DaemonProcess.StartAsync(Routes);

        // Debian's cron: /usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem MAILTO
        ProcessResult result = await SendmailAsync(daemon,
            "From: root (Cron Daemon)\nTo: bob@example.org\nSubject: Cron <root@host> run-parts /etc/cron.daily\n\noutput\n",
            "-FCronDaemon", "-i", "-B8BITMIME", "-oem", "bob@example.org");

        Assert.True(result.ExitCode == 0, result + daemon.Log);
        string id = Assert.Single(daemon.QueuedIds);
        Assert.Contains("\r\nFrom: root (Cron Daemon)\r\n", daemon.MessageText(id));
    }

    [SkippableFact]
    public async Task MailxSendsThroughIt()
    {
        Skip.IfNot(IsRoot && File.Exists("/usr/bin/bsd-mailx") && File.Exists("/usr/bin/unshare"), "needs root, bsd-mailx and unshare");
        await using var daemon = await DaemonProcess.StartAsync(Routes);

        // bsd-mailx always runs /usr/sbin/sendmail: in a private mount namespace that is a symlink to our binary.
        ProcessResult result = await ProcessRunner.RunAsync("unshare", ["--mount", "--", "sh", "-c",
            "mount -t tmpfs none /usr/sbin && ln -s \"$1\" /usr/sbin/sendmail && exec bsd-mailx -s 'mailx subject' bob@example.org",
            "sh", PostmasterBinary.Path], new Dictionary<string, string> { ["POSTMASTER_CONFIG"] = daemon.ConfigPath }, "Body from mailx.\n");

        Assert.True(result.ExitCode == 0, result + daemon.Log);
        string id = Assert.Single(daemon.QueuedIds);
        string text = daemon.MessageText(id);
        Assert.Contains("\r\nSubject: mailx subject\r\n", text);
        Assert.Contains("\r\nTo: bob@example.org\r\n", text);
        Assert.EndsWith("\r\n\r\nBody from mailx.\r\n", text);
        Assert.Contains("rcpt: pending <bob@example.org>", daemon.EnvelopeText(id));
    }

    [SkippableFact]
    public async Task PhpMailSendsThroughIt()
    {
        Skip.IfNot(File.Exists("/usr/bin/php"), "needs php-cli");
        await using var daemon = await DaemonProcess.StartAsync(Routes);

        ProcessResult result = await ProcessRunner.RunAsync("php",
            ["-d", $"sendmail_path={PostmasterBinary.Path} -c {daemon.ConfigPath} sendmail -t -i", "-r",
             "exit(mail('bob@example.org', 'php subject', \"Hello from PHP.\\n.\\nafter the dot\", 'From: web@example.net') ? 0 : 1);"]);

        Assert.True(result.ExitCode == 0, result + daemon.Log);
        string id = Assert.Single(daemon.QueuedIds);
        string text = daemon.MessageText(id);
        Assert.Contains("\r\nTo: bob@example.org\r\n", text);
        Assert.Contains("\r\nSubject: php subject\r\n", text);
        Assert.Contains("\r\nFrom: web@example.net\r\n", text);
        Assert.EndsWith("\r\n\r\nHello from PHP.\r\n.\r\nafter the dot\r\n", text);     // -i: the lone dot is text
        Assert.Matches(EnvelopeRecipient(), daemon.EnvelopeText(id));
    }

    [GeneratedRegex(@"rcpt: pending <bob@example\.org> orig=<bob@example\.org>")]
    private static partial Regex EnvelopeRecipient();

    /// <summary>The From: field sendmail adds for <paramref name="user"/>: with the GECOS name when there is one.</summary>
    static Regex FromField(string user)
    {
        string address = Regex.Escape($"{user}@{DaemonProcess.Hostname}");
        return new Regex($"\r\nFrom: (\"[^\"\r\n]*\" <{address}>|{address})\r\n");
    }
}
