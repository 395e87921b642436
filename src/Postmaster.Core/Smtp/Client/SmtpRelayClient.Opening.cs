using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

// The opening dialogue: greeting, EHLO (HELO fallback), STARTTLS (RFC 3207), EHLO again, AUTH (RFC 4954).
public sealed partial class SmtpRelayClient
{
    async Task<ConnectResult> OpenSessionAsync(CancellationToken cancellationToken)
    {
        _stage = "the greeting";
        Reply greeting = await ReadReplyAsync(Timeouts.Greeting, cancellationToken);
        if (greeting.Code != 220)
            return Refused(greeting, "refused to talk to us");   // RFC 5321 §3.1: 554 instead of 220, or a 4xx

        if (await HelloAsync(allowHelo: true, cancellationToken) is { } refused)
            return refused;

        if (options.Tls != TlsPolicy.Disabled)
        {
            if (Extensions!.Has(ServerCapabilities.StartTls))
            {
                if (await StartTlsAsync(cancellationToken) is { } problem)
                    return problem;
            }
            else if (options.Tls != TlsPolicy.Opportunistic)
                return ConnectResult.Failed(ConnectFailure.TlsUnavailable, "4.7.4", $"TLS is required, but {Peer} does not offer STARTTLS");
        }

        if (options.Credentials is not null && await AuthenticateAsync(options.Credentials, cancellationToken) is { } denied)
            return denied;
        return ConnectResult.Connected;
    }

    ConnectResult Refused(Reply reply, string what) =>
        ConnectResult.Failed(ConnectFailure.Refused, TransientStatus(reply, "4.4.0"), $"{Peer} {what}: {reply}");

    /// <summary>EHLO; on a 5xx (a server that predates ESMTP) HELO instead (RFC 5321 §3.2).</summary>
    async Task<ConnectResult?> HelloAsync(bool allowHelo, CancellationToken cancellationToken)
    {
        _stage = "EHLO";
        Reply reply = await CommandAsync($"EHLO {options.HostName}", Timeouts.Command, cancellationToken);
        if (reply.Code == 250)
        {
            Extensions = ServerExtensions.Parse(reply);
            return null;
        }
        if (!reply.IsPermanent || !allowHelo)
            return Refused(reply, "refused EHLO");

        _stage = "HELO";
        reply = await CommandAsync($"HELO {options.HostName}", Timeouts.Command, cancellationToken);
        if (reply.Code != 250)
            return Refused(reply, "refused HELO");
        Extensions = ServerExtensions.Helo(reply);
        return null;
    }

    async Task<ConnectResult?> StartTlsAsync(CancellationToken cancellationToken)
    {
        _stage = "STARTTLS";
        Reply reply = await CommandAsync("STARTTLS", Timeouts.Command, cancellationToken);
        if (reply.Code != 220)
        {
            // RFC 3207 §4: after a 454 the client may go on without TLS, if its policy lets it.
            return options.Tls == TlsPolicy.Opportunistic
                ? null
                : ConnectResult.Failed(ConnectFailure.TlsUnavailable, "4.7.4", $"TLS is required, but {Peer} refused STARTTLS: {reply}");
        }
        // Anything already waiting was sent before the handshake and would be read as if it came through TLS.
        if (_replies!.HasUnreadInput())
            throw new SmtpProtocolViolationException("plaintext after the 220 reply to STARTTLS");

        _stage = "the TLS handshake";
        await _input!.CompleteAsync();
        await _output!.CompleteAsync();
        var tls = new SslStream(_stream!, leaveInnerStreamOpen: false);
        _stream = tls;
        try
        {
            using var limit = Limit(Timeouts.Command, cancellationToken);
            await tls.AuthenticateAsClientAsync(TlsOptions(), limit.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException
                                      || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            string reason = e is OperationCanceledException ? "timed out" : Reason(e);
            return ConnectResult.Failed(ConnectFailure.TlsHandshake, "4.7.5", $"TLS handshake with {Peer} failed: {reason}");
        }
        Attach(tls);
        TlsDescription = $"{ProtocolName(tls.SslProtocol)} {tls.NegotiatedCipherSuite}";
        SmtpClientLog.TlsEstablished(_log, Peer, TlsDescription);

        // RFC 3207 §4.2: forget what the server said before TLS and ask again.
        Extensions = null;
        return await HelloAsync(allowHelo: false, cancellationToken);
    }

    SslClientAuthenticationOptions TlsOptions()
    {
        bool verify = options.Tls == TlsPolicy.Verify;
        var tls = new SslClientAuthenticationOptions
        {
            TargetHost = _serverName ?? _endPoint!.Address.ToString(),
            // Opportunistic and Require take any certificate: without verification TLS still defeats passive listening.
            RemoteCertificateValidationCallback = verify
                ? static (_, _, _, errors) => errors == SslPolicyErrors.None
                : static (_, _, _, _) => true,
        };
        if (verify && options.TrustedRoots is { Count: > 0 } roots)
        {
            var chain = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            chain.CustomTrustStore.AddRange(roots);
            tls.CertificateChainPolicy = chain;
        }
        return tls;
    }

    static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };

    /// <summary>AUTH PLAIN (RFC 4616) or LOGIN, only over TLS unless the target allows plaintext. Neither the
    /// credentials nor their base64 ever reach a log line or a diagnostic.</summary>
    async Task<ConnectResult?> AuthenticateAsync(RelayCredentials.Account credentials, CancellationToken cancellationToken)
    {
        if (TlsDescription is null && !options.AllowPlaintextAuth)
            return ConnectResult.Failed(ConnectFailure.Authentication, "4.7.0",
                $"credentials not sent to {Peer}: the connection is not encrypted and the target does not allow plaintext AUTH");

        _stage = "AUTH";
        Reply reply;
        if (Extensions!.Has(ServerCapabilities.AuthPlain))
        {
            string response = Base64($"\0{credentials.UserName}\0{credentials.Password}");
            reply = await CommandAsync($"AUTH PLAIN {response}", Timeouts.Command, cancellationToken, "AUTH PLAIN <redacted>");
        }
        else if (Extensions.Has(ServerCapabilities.AuthLogin))
        {
            reply = await CommandAsync("AUTH LOGIN", Timeouts.Command, cancellationToken);
            if (reply.Code == 334)
                reply = await CommandAsync(Base64(credentials.UserName), Timeouts.Command, cancellationToken, "<redacted>");
            if (reply.Code == 334)
                reply = await CommandAsync(Base64(credentials.Password), Timeouts.Command, cancellationToken, "<redacted>");
        }
        else
            return ConnectResult.Failed(ConnectFailure.Authentication, "4.7.0", $"{Peer} offers no AUTH mechanism we can use (PLAIN, LOGIN)");

        if (reply.Code != 235)
            return ConnectResult.Failed(ConnectFailure.Authentication, TransientStatus(reply, "4.7.0"), $"authentication with {Peer} failed: {reply}");
        IsAuthenticated = true;
        return null;
    }

    static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
