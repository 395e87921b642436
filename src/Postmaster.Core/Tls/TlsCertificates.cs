using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Postmaster.Tls;

/// <summary>The STARTTLS server certificate: the operator's PEM pair (<c>tls-certificate</c>, <c>tls-key</c>),
/// or a self-signed one generated once and kept in the spool (<c>auto</c>).</summary>
public static class TlsCertificates
{
    public const string CertificateFile = "cert.pem";
    public const string KeyFile = "key.pem";
    const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    // A kept self-signed certificate is replaced when it has less than this left.
    static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    // The intermediates that followed the leaf in a PEM file, for ServerContext.
    static readonly ConditionalWeakTable<X509Certificate2, X509Certificate2Collection> Chains = new();

    /// <summary>Loads a PEM certificate (the server's first, then any intermediates) and its PEM private key
    /// (RSA or EC; PKCS#1, PKCS#8 or SEC1, unencrypted).</summary>
    /// <exception cref="TlsSetupException">a file is missing or unreadable, has no certificate or key, the key
    /// does not match, or the certificate has expired or is not valid yet.</exception>
    public static X509Certificate2 Load(string certificatePemPath, string keyPemPath) =>
        Load(certificatePemPath, keyPemPath, TimeProvider.System.GetUtcNow());

    /// <summary>Loads <c>cert.pem</c>/<c>key.pem</c> from <paramref name="directory"/> when they hold a valid
    /// certificate for <paramref name="hostname"/> with at least 30 more days to run; otherwise generates a
    /// self-signed RSA-2048 one valid for 10 years and writes it there (key mode 0600, directory 0700).</summary>
    public static X509Certificate2 LoadOrCreateSelfSigned(string directory, string hostname, TimeProvider time)
    {
        DateTimeOffset now = time.GetUtcNow();
        string certificatePath = Path.Combine(directory, CertificateFile), keyPath = Path.Combine(directory, KeyFile);
        CreateDirectory(directory);
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            try
            {
                X509Certificate2 existing = Load(certificatePath, keyPath, now);
                if (new DateTimeOffset(existing.NotAfter) >= now + RenewBefore && Matches(existing, hostname))
                    return existing;
                existing.Dispose();
            }
            catch (TlsSetupException)
            {
                // Expired, damaged or half-written: this directory is ours, so replace the pair.
            }
        }
        return CreateSelfSigned(certificatePath, keyPath, hostname, now);
    }

    /// <summary>What SslStream should present for <paramref name="certificate"/>: the certificate plus the
    /// intermediates its PEM file carried, without fetching anything from the network.</summary>
    public static SslStreamCertificateContext ServerContext(X509Certificate2 certificate) =>
        SslStreamCertificateContext.Create(certificate,
            Chains.TryGetValue(certificate, out X509Certificate2Collection? chain) ? chain : null, offline: true);

    internal static X509Certificate2 Load(string certificatePath, string keyPath, DateTimeOffset now)
    {
        X509Certificate2Collection certificates = ReadCertificates(certificatePath);
        X509Certificate2 leaf = certificates[0];
        if (new DateTimeOffset(leaf.NotAfter) < now)
            throw new TlsSetupException($"{certificatePath}: the certificate expired on {Date(leaf.NotAfter)}");
        if (new DateTimeOffset(leaf.NotBefore) > now)
            throw new TlsSetupException($"{certificatePath}: the certificate is not valid before {Date(leaf.NotBefore)}");

        using AsymmetricAlgorithm key = ReadKey(keyPath);
        using X509Certificate2 withKey = Attach(leaf, key, certificatePath, keyPath);
        // A PKCS#12 round trip gives a certificate whose key SslStream can use as a server (TOOLCHAIN.md §3.6).
        X509Certificate2 result = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        if (certificates.Count > 1)
            Chains.AddOrUpdate(result, [.. certificates.Skip(1)]);
        return result;
    }

    static X509Certificate2Collection ReadCertificates(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(ReadText(path));
        }
        catch (CryptographicException e)
        {
            throw new TlsSetupException($"{path}: unreadable certificate: {OneLine(e.Message)}");
        }
        if (certificates.Count == 0)
            throw new TlsSetupException($"{path}: no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        return certificates;
    }

    static AsymmetricAlgorithm ReadKey(string path)
    {
        string text = ReadText(path);
        ReadOnlySpan<char> rest = text;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            ReadOnlySpan<char> pem = rest[fields.Location];
            try
            {
                switch (rest[fields.Label])
                {
                    case "RSA PRIVATE KEY":                        // PKCS#1
                        return Import(RSA.Create(), pem);
                    case "EC PRIVATE KEY":                         // SEC1
                        return Import(ECDsa.Create(), pem);
                    case "PRIVATE KEY":                            // PKCS#8, either algorithm
                        try
                        {
                            return Import(RSA.Create(), pem);
                        }
                        catch (CryptographicException)
                        {
                            return Import(ECDsa.Create(), pem);
                        }
                    case "ENCRYPTED PRIVATE KEY":
                        throw new TlsSetupException($"{path}: the private key is encrypted; store it without a passphrase");
                }
            }
            catch (CryptographicException e)
            {
                throw new TlsSetupException($"{path}: unreadable private key: {OneLine(e.Message)}");
            }
            rest = rest[fields.Location.End..];
        }
        throw new TlsSetupException($"{path}: no PEM private key (RSA or EC) found");
    }

    static AsymmetricAlgorithm Import(AsymmetricAlgorithm key, ReadOnlySpan<char> pem)
    {
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    static X509Certificate2 Attach(X509Certificate2 leaf, AsymmetricAlgorithm key, string certificatePath, string keyPath)
    {
        try
        {
            return key switch
            {
                RSA rsa when leaf.GetRSAPublicKey() is { } publicKey && Same(publicKey, rsa) => leaf.CopyWithPrivateKey(rsa),
                ECDsa ec when leaf.GetECDsaPublicKey() is { } publicKey && Same(publicKey, ec) => leaf.CopyWithPrivateKey(ec),
                _ => throw new ArgumentException("mismatch"),
            };
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new TlsSetupException($"{keyPath}: the private key does not match the certificate in {certificatePath}");
        }
    }

    // CopyWithPrivateKey checks this too, but only for some key types; compare the public halves ourselves.
    static bool Same(AsymmetricAlgorithm publicKey, AsymmetricAlgorithm privateKey)
    {
        using (publicKey)
            return publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(privateKey.ExportSubjectPublicKeyInfo());
    }

    static bool Matches(X509Certificate2 certificate, string hostname)
    {
        try
        {
            return certificate.MatchesHostname(hostname, allowWildcards: false);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    static X509Certificate2 CreateSelfSigned(string certificatePath, string keyPath, string hostname, DateTimeOffset now)
    {
        using RSA key = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(hostname);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication)], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        // A day of slack for clients whose clocks are behind ours.
        DateTimeOffset notBefore = now.AddDays(-1);
        using X509Certificate2 created = request.CreateSelfSigned(notBefore, notBefore.AddYears(10));

        // Key first: a cert.pem without its key.pem is never left behind as the newer file.
        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem());
        WriteAtomically(certificatePath, created.ExportCertificatePem());
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("file modes need a Unix system");
        try
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsSetupException($"{directory}: cannot create the directory: {OneLine(e.Message)}");
        }
    }

    /// <summary>Writes to a temporary name (mode 0600) and renames it over <paramref name="path"/>, so a crash
    /// never leaves a truncated file under the real name.</summary>
    static void WriteAtomically(string path, string text)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("file modes need a Unix system");
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                stream.Write(Utf8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                // Leave it; the message below is what matters.
            }
            throw new TlsSetupException($"{path}: cannot write: {OneLine(e.Message)}");
        }
    }

    static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TlsSetupException($"{path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsSetupException($"{path}: cannot read: {OneLine(e.Message)}");
        }
    }

    static string Date(DateTime time) => time.ToUniversalTime().ToString("yyyy'-'MM'-'dd HH':'mm':'ss'Z'");

    static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
