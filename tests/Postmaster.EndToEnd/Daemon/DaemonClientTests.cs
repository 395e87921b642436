using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Daemon;

/// <summary>Real SMTP clients against the daemon: Python's smtplib, swaks, openssl s_client.</summary>
public sealed class DaemonClientTests
{
    const string SmtplibScript = """
        import smtplib, ssl, sys
        port, tls = int(sys.argv[1]), sys.argv[2] == "tls"
        message = b"From: alice@example.net\r\nTo: bob@example.org\r\nSubject: smtplib\r\n\r\nH\xc3\xa9llo.\r\n.dot line\r\n"
        with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=20) as smtp:
            smtp.ehlo()
            assert smtp.has_extn("pipelining") and smtp.has_extn("8bitmime") and smtp.has_extn("enhancedstatuscodes")
            assert smtp.has_extn("starttls"), smtp.esmtp_features
            if tls:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE   # the self-signed "auto" certificate
                smtp.starttls(context=context)
                smtp.ehlo()
                assert not smtp.has_extn("starttls"), "STARTTLS offered twice"
            refused = smtp.sendmail("alice@example.net", ["bob@example.org", "postmaster"], message, mail_options=["BODY=8BITMIME"])
            assert refused == {}, refused
            code, text = smtp.noop()
            assert code == 250
        print("sent")
        """;

    [Theory]
    [InlineData("plain", "with ESMTP id")]
    [InlineData("tls", "with ESMTPS id")]
    public async Task TakesMailFromPythonSmtplib(string mode, string expectedProtocol)
    {
        await using var daemon = await DaemonProcess.StartAsync();

        ProcessResult result = await ProcessRunner.RunAsync("python3", ["-c", SmtplibScript, daemon.Port.ToString(), mode]);

        Assert.True(result.ExitCode == 0, result + daemon.Log);
        string id = Assert.Single(daemon.QueuedIds);
        string message = daemon.MessageText(id);
        Assert.Contains(expectedProtocol, message);
        Assert.EndsWith("Subject: smtplib\r\n\r\nHéllo.\r\n.dot line\r\n", message);
        Assert.Contains("<postmaster@mx.test.example>", daemon.EnvelopeText(id));
        if (mode == "tls")
        {
            Assert.Contains("(TLSv1.3 ", message);
            await daemon.WaitForLogAsync("tls=\"TLSv1.3 ");
        }
    }

    [Fact]
    public async Task TakesAPipelinedSubmissionFromSwaks()
    {
        await using var daemon = await DaemonProcess.StartAsync();

        ProcessResult result = await ProcessRunner.RunAsync("swaks",
            ["--server", "127.0.0.1", "--port", daemon.Port.ToString(), "--pipeline", "--helo", "swaks.test",
             "--from", "alice@example.net", "--to", "bob@example.org,carol@example.org", "--header", "Subject: swaks",
             "--body", "from swaks"]);

        Assert.True(result.ExitCode == 0, result + daemon.Log);
        Assert.Contains("<-  250 2.0.0 Ok: queued as", result.StandardOutput);
        string id = Assert.Single(daemon.QueuedIds);
        Assert.Contains("<carol@example.org>", daemon.EnvelopeText(id));
    }

    [Theory]
    [InlineData("-tls1_2", "TLSv1.2")]
    [InlineData("-tls1_3", "TLSv1.3")]
    public async Task NegotiatesTlsWithOpenSsl(string version, string expected)
    {
        await using var daemon = await DaemonProcess.StartAsync();

        // s_client sends its own EHLO and STARTTLS; after the handshake the client must EHLO again.
        ProcessResult result = await ProcessRunner.RunAsync("sh",
            ["-c", $"(sleep 1; printf 'EHLO again.test\\r\\n'; sleep 1; printf 'QUIT\\r\\n'; sleep 1) | " +
                   $"timeout 20 openssl s_client -starttls smtp -connect 127.0.0.1:{daemon.Port} {version} -ign_eof"]);

        Assert.Contains($"Protocol  : {expected}", result.StandardOutput + result.StandardError);
        string afterHandshake = result.StandardOutput[result.StandardOutput.IndexOf("SSL handshake has read", StringComparison.Ordinal)..];
        Assert.Contains("250-PIPELINING", afterHandshake);
        Assert.DoesNotContain("STARTTLS", afterHandshake);
        Assert.Contains("221 2.0.0", afterHandshake);
    }
}
