using System.Collections.Immutable;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

/// <summary>One SMTP connection to a next hop (a smart host or an MX host): the opening dialogue (greeting,
/// EHLO/HELO, STARTTLS, AUTH), then any number of <see cref="SendAsync"/> transactions, then <see cref="QuitAsync"/>.</summary>
/// <remarks>Outcomes are values: <see cref="ConnectAsync(IPEndPoint, string?, CancellationToken)"/> returns a
/// <see cref="ConnectResult"/>, <see cref="SendAsync"/> a <see cref="Delivery.DeliveryResult"/> per recipient. A
/// timeout, a broken connection or a protocol violation drops the connection (<see cref="IsConnected"/> turns
/// false) and defers whatever was not answered yet (STYLE.md §3.5). Only the caller's cancellation throws.
/// Not thread-safe: one caller at a time. One instance serves one connection; connect again with a new one.</remarks>
public sealed partial class SmtpRelayClient(SmtpClientOptions options, ILogger? logger = null) : IAsyncDisposable
{
    readonly ILogger _log = logger ?? NullLogger.Instance;
    ClientTimeouts Timeouts => options.Timeouts;

    Socket? _socket;
    Stream? _stream;
    PipeReader? _input;
    PipeWriter? _output;
    ReplyReader? _replies;
    IPEndPoint? _endPoint;
    string? _serverName;
    bool _needsReset;
    Reply? _closing;
    bool _used;
    /// <summary>Replies other than 421 read in the current transaction: none means the server never took part.</summary>
    int _answered;
    ImmutableArray<int> _overLimit = [];
    bool _hostRefused;

    /// <summary>What the dialogue is at, for diagnostics: "the greeting", "RCPT TO:&lt;x@y&gt;", "the message body".</summary>
    string _stage = "connect";

    /// <summary>For logs and diagnostics, Postfix style: <c>mx.example.net[192.0.2.1]:25</c>.</summary>
    public string Peer { get; private set; } = "(not connected)";

    /// <summary>What the last EHLO (or HELO) reply announced; null before it.</summary>
    public ServerExtensions? Extensions { get; private set; }

    /// <summary>E.g. <c>TLSv1.3 TLS_AES_256_GCM_SHA384</c> once STARTTLS succeeded; otherwise null.</summary>
    public string? TlsDescription { get; private set; }

    public bool IsAuthenticated { get; private set; }

    /// <summary>Whether the session is open and ready for <see cref="SendAsync"/>.</summary>
    public bool IsConnected => _stream is not null;

    /// <summary>Resolves <paramref name="host"/> (unless it is an address literal) and connects to its addresses in
    /// turn until one accepts the TCP connection; the dialogue then decides the result. The name is the TLS server
    /// name (SNI and <see cref="TlsPolicy.Verify"/>).</summary>
    public async Task<ConnectResult> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? literal))
            return await ConnectAsync(new IPEndPoint(literal, port), null, cancellationToken);
        IPAddress[] addresses;
        try
        {
            using var limit = Limit(Timeouts.Connect, cancellationToken);
            addresses = await System.Net.Dns.GetHostAddressesAsync(host, limit.Token);
        }
        catch (Exception e) when (e is SocketException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Failed(ConnectResult.Failed(ConnectFailure.Unreachable, "4.4.3", $"cannot resolve {host}: {Reason(e)}"));
        }
        ConnectResult result = ConnectResult.Failed(ConnectFailure.Unreachable, "4.4.3", $"{host} has no address");
        Claim();
        foreach (IPAddress address in addresses)
        {
            result = await ConnectToAsync(new IPEndPoint(address, port), host, cancellationToken);
            if (result.Failure != ConnectFailure.Unreachable)
                break;
        }
        return result;
    }

    /// <summary>Connects to one address and holds the opening dialogue.</summary>
    /// <param name="serverName">The host's name, for the TLS handshake and diagnostics; null to use the address.</param>
    public Task<ConnectResult> ConnectAsync(IPEndPoint endPoint, string? serverName, CancellationToken cancellationToken)
    {
        Claim();
        return ConnectToAsync(endPoint, serverName, cancellationToken);
    }

    void Claim()
    {
        if (_used)
            throw new InvalidOperationException("an SmtpRelayClient serves one connection; make a new one");
        _used = true;
    }

    async Task<ConnectResult> ConnectToAsync(IPEndPoint endPoint, string? serverName, CancellationToken cancellationToken)
    {
        _endPoint = endPoint;
        _serverName = serverName;
        Peer = serverName is null ? $"[{endPoint.Address}]:{endPoint.Port}" : $"{serverName}[{endPoint.Address}]:{endPoint.Port}";

        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var limit = Limit(Timeouts.Connect, cancellationToken);
            await socket.ConnectAsync(endPoint, limit.Token);
        }
        catch (Exception e) when (e is SocketException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return Failed(ConnectResult.Failed(ConnectFailure.Unreachable, "4.4.1", $"connect to {Peer}: {Reason(e)}"));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        Attach(new NetworkStream(socket, ownsSocket: true));

        ConnectResult result;
        try
        {
            result = await OpenSessionAsync(cancellationToken);
        }
        catch (Exception e) when (IsConnectionProblem(e, cancellationToken))
        {
            result = ConnectResult.Failed(ConnectFailure.Lost, "4.4.2", Describe(e));
        }
        catch
        {
            await CloseAsync();
            throw;
        }
        if (!result.IsConnected)
        {
            await CloseAsync();
            return Failed(result);
        }
        return result;
    }

    /// <summary>Says goodbye (RFC 5321 §4.1.1.10) and closes; a server that does not answer is not waited for longer
    /// than the command timeout, and any trouble is ignored: the mail is already settled.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        if (_stream is null)
            return;
        try
        {
            _stage = "QUIT";
            await CommandAsync("QUIT", Timeouts.Command, cancellationToken);
        }
        catch (Exception e) when (IsConnectionProblem(e, cancellationToken))
        {
        }
        finally
        {
            await CloseAsync();
        }
    }

    /// <summary>Closes without QUIT.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync();

    /// <summary>Whether a connection that has been idle still looks usable: the server has sent nothing since its
    /// last reply (an unasked 421, or the end of the stream when it closed the connection on its own idle timeout).
    /// A close that is still on its way is not seen here; <see cref="TransactionResult.Stale"/> covers that.</summary>
    public bool LooksAlive()
    {
        if (_stream is null || _socket is null || _closing is not null)
            return false;
        try
        {
            return !_replies!.HasUnreadInput() && !_socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A new connection to <paramref name="hop"/> ready for mail, or why there is none. After a failed
    /// handshake under <see cref="TlsPolicy.Opportunistic"/> a second connection goes without STARTTLS
    /// (RFC 3207 §4.1 leaves that to the client's policy; Postfix does the same).</summary>
    public static async Task<(SmtpRelayClient? Client, ConnectResult Result)> OpenAsync(NextHop hop, SmtpClientOptions options,
        ILogger? logger, CancellationToken cancellationToken)
    {
        var client = new SmtpRelayClient(options, logger);
        ConnectResult result = await client.ConnectAsync(hop.EndPoint, hop.HostName, cancellationToken);
        if (result.IsConnected)
            return (client, result);
        await client.DisposeAsync();
        if (result.Failure == ConnectFailure.TlsHandshake && options.Tls == TlsPolicy.Opportunistic)
        {
            client = new SmtpRelayClient(options with { Tls = TlsPolicy.Disabled }, logger);
            ConnectResult plain = await client.ConnectAsync(hop.EndPoint, hop.HostName, cancellationToken);
            if (plain.IsConnected)
                return (client, plain);
            await client.DisposeAsync();
            result = plain;
        }
        return (null, result);
    }

    void Attach(Stream stream)
    {
        _stream = stream;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        _replies = new ReplyReader(_input);
    }

    async Task CloseAsync()
    {
        if (_stream is null)
            return;
        Stream stream = _stream;
        _stream = null;
        try
        {
            // Completing the writer flushes what is still buffered, and an SslStream sends close_notify: both may
            // meet a dead connection, which is why we are closing in the first place.
            await _input!.CompleteAsync();
            await _output!.CompleteAsync();
            await stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or ObjectDisposedException)
        {
            await stream.DisposeAsync();
        }
        finally
        {
            _socket?.Dispose();
            _socket = null;
        }
    }

    ConnectResult Failed(ConnectResult result)
    {
        SmtpClientLog.SessionFailed(_log, Peer, result.Failure, result.Problem?.ToString() ?? "");
        return result;
    }

    /// <summary>Trouble with the connection rather than a bug: it is dropped and the recipients deferred. The caller's
    /// own cancellation is not among them.</summary>
    static bool IsConnectionProblem(Exception e, CancellationToken cancellationToken) =>
        e is IOException or SocketException or SmtpProtocolViolationException or TimeoutException or ObjectDisposedException
        || e is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    /// <summary>One line for the recipients' diagnostic.</summary>
    string Describe(Exception e) => e switch
    {
        TimeoutException => $"conversation with {Peer} timed out during {_stage} ({e.Message})",
        OperationCanceledException => $"conversation with {Peer} timed out during {_stage}",
        SmtpProtocolViolationException { ConnectionClosed: true } => $"lost connection with {Peer} during {_stage}: {e.Message}",
        SmtpProtocolViolationException => $"protocol error from {Peer} during {_stage}: {e.Message}",
        _ => $"lost connection with {Peer} during {_stage}: {Reason(e)}",
    };

    static string Reason(Exception e) => e is IOException { InnerException: SocketException inner } ? inner.Message : e.Message;

    static CancellationTokenSource Limit(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        return limit;
    }
}
