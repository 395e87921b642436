using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Postmaster.Delivery;
using Postmaster.Smtp.Client;
using Postmaster.Tests.Logging;
using Postmaster.Tests.Smtp.Client.Peers;
using Postmaster.Tests.Tls;
using Xunit;
using static Postmaster.Tests.Smtp.Client.ClientHarness;

namespace Postmaster.Tests.Smtp.Client;

/// <summary>A self-signed certificate for mx.example.test (and 127.0.0.1), made once with the openssl command.</summary>
public sealed class PeerCertificate : IDisposable
{
    readonly TlsTestFiles _files = new();

    public PeerCertificate()
    {
        _files.OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=mx.example.test",
            "-addext", "subjectAltName=DNS:mx.example.test,IP:127.0.0.1");
        Certificate = X509CertificateLoader.LoadCertificateFromFile(CertPath);
    }

    public string CertPath => _files["cert.pem"];
    public string KeyPath => _files["key.pem"];
    public X509Certificate2 Certificate { get; }

    public string[] PeerOptions => ["--tls-cert", CertPath, "--tls-key", KeyPath];

    public void Dispose()
    {
        Certificate.Dispose();
        _files.Dispose();
    }
}

/// <summary>STARTTLS (RFC 3207) and AUTH (RFC 4954) against aiosmtpd.</summary>
public sealed class SmtpRelayClientTlsTests(PeerCertificate tls) : IClassFixture<PeerCertificate>
{
    static readonly RelayCredentials.Account Credentials = new("relayuser", "s3cret-Pa55");

    [Fact]
    public async Task UsesStartTlsWhenOffered()
    {
        await using var peer = await AiosmtpdPeer.StartAsync(tls.PeerOptions);
        await using var client = await ConnectAsync(peer.EndPoint);

        Assert.StartsWith("TLSv1.", client.TlsDescription);
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await client.SendAsync(Message(Text("tls", "Hi.\r\n"), "bob@example.net"), CancellationToken.None)).Outcome);
        await client.QuitAsync(CancellationToken.None);

        Assert.True(Assert.Single(peer.Messages()).Tls);
        Assert.Equal([
            "1 tls=0 buffered=0 EHLO client.example.org",
            "1 tls=0 buffered=0 STARTTLS",
            "1 tls=1 buffered=0 EHLO client.example.org",
            "1 tls=1 buffered=0 MAIL FROM:<alice@example.org>",
            "1 tls=1 buffered=0 RCPT TO:<bob@example.net>",
            "1 tls=1 buffered=0 DATA",
            "1 tls=1 buffered=0 QUIT",
        ], peer.Transcript());
    }

    [Fact]
    public async Task RequireRefusesAServerWithoutStartTls()
    {
        await using var peer = await AiosmtpdPeer.StartAsync();

        ConnectResult result = await TryConnectAsync(peer.EndPoint, Options(TlsPolicy.Require));

        Assert.Equal(ConnectFailure.TlsUnavailable, result.Failure);
        Assert.Equal($"deferred 4.7.4 TLS is required, but [{peer.EndPoint.Address}]:{peer.EndPoint.Port} does not offer STARTTLS", result.Problem!.ToString());
        Assert.Equal(["EHLO client.example.org"], peer.Commands());
    }

    [Fact]
    public async Task RequireTakesAnyCertificate()
    {
        await using var peer = await AiosmtpdPeer.StartAsync(tls.PeerOptions);
        await using var client = await ConnectAsync(peer.EndPoint, Options(TlsPolicy.Require), serverName: "not-the-name.example");
        Assert.NotNull(client.TlsDescription);
    }

    [Theory]
    [InlineData("mx.example.test", true, ConnectFailure.None)]
    [InlineData("other.example.test", true, ConnectFailure.TlsHandshake)]    // the certificate names another host
    [InlineData("mx.example.test", false, ConnectFailure.TlsHandshake)]      // the system does not trust it
    public async Task VerifyChecksTheChainAndTheName(string serverName, bool trusted, ConnectFailure expected)
    {
        await using var peer = await AiosmtpdPeer.StartAsync(tls.PeerOptions);
        SmtpClientOptions options = Options(TlsPolicy.Verify) with { TrustedRoots = trusted ? [tls.Certificate] : null };

        ConnectResult result = await TryConnectAsync(peer.EndPoint, options, serverName);

        Assert.Equal(expected, result.Failure);
        if (expected == ConnectFailure.TlsHandshake)
            Assert.StartsWith($"deferred 4.7.5 TLS handshake with {serverName}[{peer.EndPoint.Address}]:{peer.EndPoint.Port} failed: ", result.Problem!.ToString());
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task AuthenticatesOverTlsWithoutLoggingTheSecret(string mechanism)
    {
        await using var peer = await AiosmtpdPeer.StartAsync([.. tls.PeerOptions, "--auth", "relayuser:s3cret-Pa55", "--auth-mechanisms", mechanism, "--auth-required"]);
        var log = new LogCapture(minimum: LogLevel.Debug);
        await using (var client = new SmtpRelayClient(Options() with { Credentials = Credentials }, log.Logger))
        {
            Assert.True((await client.ConnectAsync(peer.EndPoint, null, CancellationToken.None)).IsConnected);
            Assert.True(client.IsAuthenticated);
            Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await client.SendAsync(Message(Text("auth", "Hi.\r\n"), "bob@example.net"), CancellationToken.None)).Outcome);
        }

        Assert.Equal("relayuser", Assert.Single(peer.Messages()).Auth);
        Assert.Contains(peer.Transcript(), line => line.StartsWith($"1 tls=1 buffered=0 AUTH {mechanism}", StringComparison.Ordinal));
        string logged = string.Join('\n', log.Finish());
        Assert.Contains($"AUTH {mechanism}", logged);
        foreach (string secret in Secrets)
            Assert.DoesNotContain(secret, logged);
    }

    [Fact]
    public async Task SendsNoCredentialsWithoutTlsUnlessAllowed()
    {
        await using var peer = await AiosmtpdPeer.StartAsync("--auth", "relayuser:s3cret-Pa55", "--auth-plaintext");

        ConnectResult refused = await TryConnectAsync(peer.EndPoint, Options() with { Credentials = Credentials });
        Assert.Equal(ConnectFailure.Authentication, refused.Failure);
        Assert.Equal($"deferred 4.7.0 credentials not sent to [{peer.EndPoint.Address}]:{peer.EndPoint.Port}: the connection is not encrypted and the target does not allow plaintext AUTH",
            refused.Problem!.ToString());
        Assert.DoesNotContain(peer.Commands(), c => c.StartsWith("AUTH", StringComparison.Ordinal));

        await using var client = await ConnectAsync(peer.EndPoint, Options() with { Credentials = Credentials, AllowPlaintextAuth = true });
        Assert.True(client.IsAuthenticated);
        Assert.Null(client.TlsDescription);
    }

    [Fact]
    public async Task DefersOnRefusedCredentialsWithoutShowingThem()
    {
        await using var peer = await AiosmtpdPeer.StartAsync([.. tls.PeerOptions, "--auth", "relayuser:another-password"]);

        ConnectResult result = await TryConnectAsync(peer.EndPoint, Options() with { Credentials = Credentials });

        Assert.Equal(ConnectFailure.Authentication, result.Failure);
        Assert.Equal($"deferred 4.7.8 authentication with [{peer.EndPoint.Address}]:{peer.EndPoint.Port} failed: 535 5.7.8 Authentication credentials invalid", result.Problem!.ToString());
        Assert.DoesNotContain("s3cret", Credentials.ToString());
    }

    [Fact]
    public async Task CanRetryWithoutTlsAfterAFailedHandshake()
    {
        await using (var broken = ScriptedPeer.Start(async link =>
        {
            await ScriptedPeer.GreetAsync(link, "STARTTLS");
            await link.ExpectAsync("STARTTLS");
            await link.SendAsync("220 go ahead\r\n");
            await link.SendAsync("this is not a TLS server hello\r\n");
            await link.StallAsync();
        }))
        {
            ConnectResult result = await TryConnectAsync(broken.EndPoint, Options());
            Assert.Equal(ConnectFailure.TlsHandshake, result.Failure);
        }

        await using var peer = await AiosmtpdPeer.StartAsync(tls.PeerOptions);
        await using var client = await ConnectAsync(peer.EndPoint, Options(TlsPolicy.Disabled));
        Assert.Null(client.TlsDescription);
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await client.SendAsync(Message(Text("plain", "Hi.\r\n"), "bob@example.net"), CancellationToken.None)).Outcome);
        Assert.DoesNotContain("STARTTLS", peer.Commands());
    }

    static IEnumerable<string> Secrets =>
    [
        "s3cret-Pa55",
        Convert.ToBase64String(Encoding.UTF8.GetBytes("s3cret-Pa55")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("\0relayuser\0s3cret-Pa55")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("relayuser")),
    ];
}
