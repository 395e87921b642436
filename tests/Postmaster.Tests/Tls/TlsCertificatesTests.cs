using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Tls;
using Xunit;

namespace Postmaster.Tests.Tls;

public sealed class TlsCertificatesTests : IDisposable
{
    const string Host = "mx.example.test";
    static readonly DateTimeOffset Now = new(2026, 11, 25, 13, 0, 0, TimeSpan.Zero);
    readonly TlsTestFiles files = new();
    readonly FakeTimeProvider time = new(Now);

    public void Dispose() => files.Dispose();

    string AutoDirectory => files["spool/tls"];

    [Fact]
    public void GeneratesASelfSignedCertificateAndItsFiles()
    {
        using X509Certificate2 certificate = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, time);

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal($"CN={Host}", certificate.Subject);
        Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
        Assert.True(certificate.MatchesHostname(Host, allowWildcards: false, allowCommonName: false));   // from the SAN
        var usage = Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal("1.3.6.1.5.5.7.3.1", Assert.Single(usage.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Value);
        Assert.Equal(Now.AddDays(-1), new DateTimeOffset(certificate.NotBefore));
        Assert.Equal(Now.AddDays(-1).AddYears(10), new DateTimeOffset(certificate.NotAfter));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, Mode(AutoDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, Mode(Path.Combine(AutoDirectory, "key.pem")));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(Path.Combine(AutoDirectory, "key.pem")));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(AutoDirectory, "cert.pem")));
        Assert.Equal(["cert.pem", "key.pem"], Directory.GetFiles(AutoDirectory).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void LoadsTheSameCertificateOnTheNextStart()
    {
        using X509Certificate2 first = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, time);
        time.Advance(TimeSpan.FromDays(365));
        using X509Certificate2 second = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, time);
        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.True(second.HasPrivateKey);
    }

    [Fact]
    public void ReplacesACertificateWithLessThan30DaysLeft()
    {
        using X509Certificate2 first = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, time);
        time.SetUtcNow(new DateTimeOffset(first.NotAfter).AddDays(-31));
        using (X509Certificate2 kept = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, time))
            Assert.Equal(first.Thumbprint, kept.Thumbprint);
        time.SetUtcNow(new DateTimeOffset(first.NotAfter).AddDays(-29));
        using X509Certificate2 renewed = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, time);
        Assert.NotEqual(first.Thumbprint, renewed.Thumbprint);
        Assert.Equal(time.GetUtcNow().AddDays(-1).AddYears(10), new DateTimeOffset(renewed.NotAfter));
    }

    [Fact]
    public void ReplacesTheCertificateWhenTheHostnameChanged()
    {
        using X509Certificate2 first = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, time);
        using X509Certificate2 second = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, "mail.example.test", time);
        Assert.Equal("CN=mail.example.test", second.Subject);
    }

    [Fact]
    public void ReplacesDamagedFiles()
    {
        Directory.CreateDirectory(AutoDirectory);
        File.WriteAllText(Path.Combine(AutoDirectory, "cert.pem"), "garbage");
        File.WriteAllText(Path.Combine(AutoDirectory, "key.pem"), "");
        using X509Certificate2 certificate = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, time);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(certificate.Thumbprint, TlsCertificates.Load(Path.Combine(AutoDirectory, "cert.pem"), Path.Combine(AutoDirectory, "key.pem")).Thumbprint);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task TheGeneratedCertificateServesTls(SslProtocols protocol)
    {
        using X509Certificate2 certificate = TlsCertificates.LoadOrCreateSelfSigned(AutoDirectory, Host, TimeProvider.System);
        Assert.Equal(protocol, await TlsTestFiles.HandshakeAsync(certificate, protocol));
    }

    [Theory]
    [InlineData("rsa-pkcs8", "-----BEGIN PRIVATE KEY-----")]
    [InlineData("rsa-pkcs1", "-----BEGIN RSA PRIVATE KEY-----")]
    [InlineData("ec-sec1", "-----BEGIN EC PRIVATE KEY-----")]
    [InlineData("ec-pkcs8", "-----BEGIN PRIVATE KEY-----")]
    public async Task LoadsPemFilesMadeByOpenssl(string kind, string keyHeader)
    {
        MakeKey(kind, "key.pem");
        MakeSelfSigned("key.pem", "cert.pem");
        Assert.StartsWith(keyHeader, File.ReadAllText(files["key.pem"]));

        using X509Certificate2 certificate = TlsCertificates.Load(files["cert.pem"], files["key.pem"]);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(SslProtocols.Tls13, await TlsTestFiles.HandshakeAsync(certificate, SslProtocols.Tls13));
        Assert.Equal(SslProtocols.Tls12, await TlsTestFiles.HandshakeAsync(certificate, SslProtocols.Tls12));
    }

    [Fact]
    public async Task KeepsTheIntermediatesOfAChainForTheServer()
    {
        MakeKey("rsa-pkcs8", "root.key");
        files.OpenSsl("req", "-x509", "-key", "root.key", "-out", "root.pem", "-days", "30", "-subj", "/CN=Test Root",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
        MakeKey("rsa-pkcs8", "ca.key");
        files.OpenSsl("req", "-new", "-key", "ca.key", "-out", "ca.csr", "-subj", "/CN=Test Intermediate");
        File.WriteAllText(files["ca.ext"], "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
        files.OpenSsl("x509", "-req", "-in", "ca.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
            "-out", "ca.pem", "-days", "30", "-extfile", "ca.ext");
        MakeKey("ec-pkcs8", "key.pem");
        files.OpenSsl("req", "-new", "-key", "key.pem", "-out", "leaf.csr", "-subj", $"/CN={Host}");
        File.WriteAllText(files["leaf.ext"], $"subjectAltName=DNS:{Host}\nextendedKeyUsage=serverAuth\n");
        files.OpenSsl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "leaf.pem", "-days", "30", "-extfile", "leaf.ext");
        File.WriteAllText(files["cert.pem"], File.ReadAllText(files["leaf.pem"]) + File.ReadAllText(files["ca.pem"]));

        using X509Certificate2 certificate = TlsCertificates.Load(files["cert.pem"], files["key.pem"]);
        Assert.Equal($"CN={Host}", certificate.Subject);
        SslStreamCertificateContext context = TlsCertificates.ServerContext(certificate);
        using var intermediate = X509CertificateLoader.LoadCertificateFromFile(files["ca.pem"]);
        Assert.Contains(context.IntermediateCertificates, c => c.Thumbprint == intermediate.Thumbprint);
        Assert.Equal(SslProtocols.Tls13, await TlsTestFiles.HandshakeAsync(certificate, SslProtocols.Tls13, context));
    }

    [Fact]
    public void RefusesAKeyThatBelongsToAnotherCertificate()
    {
        MakeKey("rsa-pkcs8", "key.pem");
        MakeSelfSigned("key.pem", "cert.pem");
        MakeKey("rsa-pkcs8", "other.pem");
        var e = Assert.Throws<TlsSetupException>(() => TlsCertificates.Load(files["cert.pem"], files["other.pem"]));
        Assert.Equal($"{files["other.pem"]}: the private key does not match the certificate in {files["cert.pem"]}", e.Message);
    }

    [Fact]
    public void RefusesAKeyOfAnotherAlgorithm()
    {
        MakeKey("rsa-pkcs8", "key.pem");
        MakeSelfSigned("key.pem", "cert.pem");
        MakeKey("ec-sec1", "ec.pem");
        var e = Assert.Throws<TlsSetupException>(() => TlsCertificates.Load(files["cert.pem"], files["ec.pem"]));
        Assert.Contains("does not match", e.Message);
    }

    [Fact]
    public void NamesAMissingFile()
    {
        MakeKey("rsa-pkcs8", "key.pem");
        var e = Assert.Throws<TlsSetupException>(() => TlsCertificates.Load(files["nope.pem"], files["key.pem"]));
        Assert.Equal($"{files["nope.pem"]}: no such file", e.Message);
    }

    [Fact]
    public void NamesAFileWithoutACertificate()
    {
        MakeKey("rsa-pkcs8", "key.pem");
        var e = Assert.Throws<TlsSetupException>(() => TlsCertificates.Load(files["key.pem"], files["key.pem"]));
        Assert.Equal($"{files["key.pem"]}: no PEM certificate (-----BEGIN CERTIFICATE-----) found", e.Message);
    }

    [Fact]
    public void NamesAFileWithoutAKey()
    {
        MakeKey("rsa-pkcs8", "key.pem");
        MakeSelfSigned("key.pem", "cert.pem");
        var e = Assert.Throws<TlsSetupException>(() => TlsCertificates.Load(files["cert.pem"], files["cert.pem"]));
        Assert.Equal($"{files["cert.pem"]}: no PEM private key (RSA or EC) found", e.Message);
    }

    [Fact]
    public void RefusesAnEncryptedKey()
    {
        using RSA key = RSA.Create(2048);
        File.WriteAllText(files["key.pem"], key.ExportEncryptedPkcs8PrivateKeyPem("secret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        WriteCertificate(key, Now.AddDays(-1), Now.AddDays(10));
        var e = Assert.Throws<TlsSetupException>(() => TlsCertificates.Load(files["cert.pem"], files["key.pem"]));
        Assert.Equal($"{files["key.pem"]}: the private key is encrypted; store it without a passphrase", e.Message);
    }

    [Fact]
    public void RefusesAnExpiredCertificate()
    {
        using RSA key = RSA.Create(2048);
        File.WriteAllText(files["key.pem"], key.ExportPkcs8PrivateKeyPem());
        WriteCertificate(key, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var e = Assert.Throws<TlsSetupException>(() => TlsCertificates.Load(files["cert.pem"], files["key.pem"]));
        Assert.Equal($"{files["cert.pem"]}: the certificate expired on 2021-01-01 00:00:00Z", e.Message);
    }

    static UnixFileMode Mode(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException() : File.GetUnixFileMode(path);

    void WriteCertificate(RSA key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var request = new CertificateRequest($"CN={Host}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(notBefore, notAfter);
        File.WriteAllText(files["cert.pem"], certificate.ExportCertificatePem());
    }

    void MakeKey(string kind, string name)
    {
        switch (kind)
        {
            case "rsa-pkcs8":
                files.OpenSsl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name);
                break;
            case "rsa-pkcs1":
                files.OpenSsl("genrsa", "-traditional", "-out", name, "2048");
                break;
            case "ec-sec1":
                files.OpenSsl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name);
                break;
            case "ec-pkcs8":
                files.OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
                break;
            default:
                throw new ArgumentException(kind);
        }
    }

    void MakeSelfSigned(string key, string certificate) =>
        files.OpenSsl("req", "-x509", "-key", key, "-out", certificate, "-days", "30", "-subj", $"/CN={Host}",
            "-addext", $"subjectAltName=DNS:{Host}");
}
