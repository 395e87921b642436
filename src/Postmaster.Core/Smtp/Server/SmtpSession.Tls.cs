using System.Security.Authentication;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Server;

// STARTTLS (RFC 3207): the handshake, then the dialogue starts over and the client must EHLO again.
internal sealed partial class SmtpSession
{
    async Task StartTlsAsync()
    {
        using var handshakeLimit = CancellationTokenSource.CreateLinkedTokenSource(_server.HardStop);
        handshakeLimit.CancelAfter(_server.Timeouts.Command);
        try
        {
            await _transport.UpgradeToTlsAsync(_snapshot.TlsContext!, handshakeLimit.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            SmtpServerLog.TlsFailed(_server.Log, _id, e.Message, _client);
            throw new SessionEndedException("tls-failed");
        }
        // RFC 3207 §4.2: forget everything learned from the client before TLS.
        await AbandonTransactionAsync();
        _state = SessionState.Connected;
        _helo = null;
        _esmtp = false;
        SmtpServerLog.TlsEstablished(_server.Log, _id, _transport.TlsDescription ?? "?", _client);
    }
}
