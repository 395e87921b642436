using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Postmaster.Tests.Tls;

/// <summary>A temporary directory for certificate files, the openssl command line, and a loopback TLS handshake.</summary>
internal sealed class TlsTestFiles : IDisposable
{
    readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("pm-tls-");

    public string Root => directory.FullName;

    public string this[string name] => Path.Combine(Root, name);

    public void Dispose() => directory.Delete(recursive: true);

    /// <summary>Runs openssl in the directory; fails the test with its stderr when it fails.</summary>
    public void OpenSsl(params string[] arguments)
    {
        ProcessStartInfo start = new("openssl") { WorkingDirectory = Root, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("the openssl command is not installed (scripts/install-deps installs it): " + e.Message);
        }
        using (process)
        {
            process.StandardOutput.ReadToEnd();
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', arguments)}: {errors}");
        }
    }

    /// <summary>Runs a server and a client SslStream over loopback TCP and returns the protocol they agreed on.
    /// The client accepts exactly the server's certificate (it is self-signed).</summary>
    public static async Task<SslProtocols> HandshakeAsync(X509Certificate2 certificate, SslProtocols protocol,
        SslStreamCertificateContext? context = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Task server = Task.Run(async () =>
        {
            using TcpClient accepted = await listener.AcceptTcpClientAsync(timeout.Token);
            await using var ssl = new SslStream(accepted.GetStream());
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = context is null ? certificate : null,
                ServerCertificateContext = context,
                EnabledSslProtocols = protocol,
            }, timeout.Token);
            byte[] one = new byte[1];
            await ssl.ReadExactlyAsync(one, timeout.Token);
            await ssl.WriteAsync(one, timeout.Token);
        });

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await using var tls = new SslStream(client.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "mx.example.test",
            EnabledSslProtocols = protocol,
            RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
        }, timeout.Token);
        await tls.WriteAsync(new byte[] { 42 }, timeout.Token);
        byte[] echo = new byte[1];
        await tls.ReadExactlyAsync(echo, timeout.Token);
        Assert.Equal(42, echo[0]);
        await server;
        return tls.SslProtocol;
    }
}
