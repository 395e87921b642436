using Postmaster.EndToEnd.Support;
using Postmaster.Tests.Smtp.Client.Peers;

namespace Postmaster.EndToEnd.Queue;

/// <summary>The daemon's relaying as a next hop sees it (aiosmtpd records every command with its connection):
/// one transaction per message and next hop, one connection for several messages, TLS options of the target.</summary>
public sealed class DaemonRelayReuseTests
{
    static async Task SendAsync(DaemonProcess daemon, string subject, params string[] recipients)
    {
        await using var dialog = await SmtpDialog.ConnectAsync(daemon.Port);
        await dialog.ReadRepliesAsync(1);
        await dialog.SendAsync($"EHLO client.test\r\nMAIL FROM:<alice@example.org>\r\n{string.Concat(recipients.Select(r => $"RCPT TO:<{r}>\r\n"))}DATA\r\n");
        string[] replies = await dialog.ReadRepliesAsync(3 + recipients.Length);
        Assert.All(replies.Skip(1).Take(recipients.Length + 1), r => Assert.StartsWith("250", r));
        await dialog.SendAsync($"Subject: {subject}\r\n\r\nrelayed\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", (await dialog.ReadRepliesAsync(1))[0]);
    }

    [Fact]
    public async Task SendsTheRecipientsOfAMessageTogetherAndTheNextMessageOverTheSameConnection()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--pipelining");
        await using var daemon = await DaemonProcess.StartAsync($"@inside.test relay(127.0.0.1:{peer.EndPoint.Port})");

        await SendAsync(daemon, "first", "bob@inside.test", "carol@inside.test", "dave@inside.test");
        await daemon.WaitForLogAsync("removed: all 3 recipients done");
        await SendAsync(daemon, "second", "erin@inside.test");
        await daemon.WaitForLogAsync("removed: all 1 recipients done");

        ReceivedMessage[] received = peer.Messages();
        Assert.Equal([["bob@inside.test", "carol@inside.test", "dave@inside.test"], ["erin@inside.test"]], received.Select(m => m.RcptTos));
        Assert.All(peer.Transcript(), line => Assert.StartsWith("1 ", line));      // one connection
        Assert.Single(peer.Commands(), c => c.StartsWith("EHLO", StringComparison.Ordinal));
        Assert.Contains("RSET", peer.Commands());
    }

    [Fact]
    public async Task VerifiesTheNextHopsCertificateAgainstTheTrustStoreWithTlsVerify()
    {
        using var certificates = new TempDirectory();
        await MakeCertificatesAsync(certificates);
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--tls-cert", certificates.File("cert.pem"), "--tls-key", certificates.File("key.pem"));
        string route = $"@inside.test relay(127.0.0.1:{peer.EndPoint.Port}, tls=verify)";

        // The private CA is trusted only through OpenSSL's SSL_CERT_FILE, as an administrator would do it.
        await using (var trusting = await DaemonProcess.StartAsync(route,
            environment: new Dictionary<string, string> { ["SSL_CERT_FILE"] = certificates.File("ca.pem") }))
        {
            await SendAsync(trusting, "trusted", "bob@inside.test");
            await trusting.WaitForLogAsync("removed: all 1 recipients done");
        }
        ReceivedMessage delivered = Assert.Single(peer.Messages());
        Assert.True(delivered.Tls);

        await using var doubting = await DaemonProcess.StartAsync(route);
        await SendAsync(doubting, "untrusted", "carol@inside.test");
        await doubting.WaitForLogAsync("status=deferred");
        Assert.Contains("TLS handshake with", doubting.Log);
        Assert.Single(peer.Messages());                               // nothing went out in the clear
        Assert.Single(doubting.QueuedIds);
    }

    /// <summary>A private CA and a certificate it signed for 127.0.0.1, readable by the daemon's user.</summary>
    static async Task MakeCertificatesAsync(TempDirectory directory)
    {
        File.SetUnixFileMode(directory.Path, (UnixFileMode)0b111_101_101);
        directory.Write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:inside.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        string[][] steps =
        [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=Postmaster test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem", "-out", "server.csr",
                "-subj", "/CN=inside.test"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "cert.pem",
                "-days", "2", "-extfile", "server.ext"],
        ];
        foreach (string[] step in steps)
        {
            ProcessResult result = await ProcessRunner.RunAsync("sh", ["-c", "cd \"$0\" && exec openssl \"$@\"", directory.Path, .. step]);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        File.SetUnixFileMode(directory.File("ca.pem"), (UnixFileMode)0b110_100_100);
    }
}
