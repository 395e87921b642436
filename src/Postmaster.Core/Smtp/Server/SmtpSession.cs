using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Server;

/// <summary>One SMTP server session: reads commands, answers them in order, and takes messages into the
/// spool (RFC 5321, RFC 2920, RFC 3207). Only this loop touches the pipes; handlers return replies.</summary>
internal sealed partial class SmtpSession : IAsyncDisposable
{
    /// <summary>Protocol errors (500, 501, 503, 555) before the session is closed with 421.</summary>
    public const int MaxProtocolErrors = 5;

    readonly SmtpServerContext _server;
    readonly ISmtpTransport _transport;
    readonly string _id;
    readonly IPAddress _clientAddress;
    readonly string _client;
    readonly byte[] _scratch = new byte[LineFramer.MaxCommandLine];
    readonly CancellationTokenSource _readCancel;
    readonly CancellationTokenRegistration _softStopRegistration, _hardStopRegistration;
    readonly Task<string?> _reverseName;

    ServerSnapshot _snapshot;
    SessionState _state = SessionState.Connected;
    Transaction? _transaction;
    string? _helo;
    bool _esmtp;
    bool _discardingLongLine;
    volatile bool _stopping;
    int _commands, _messages, _recipients, _errors;
    string _endReason = "closed";

    public SmtpSession(SmtpServerContext server, ISmtpTransport transport)
    {
        _server = server;
        _transport = transport;
        _id = server.NextSessionId();
        _clientAddress = Normalize(transport.RemoteEndPoint.Address);
        _client = transport.IsLocal ? "local" : _clientAddress.ToString();
        _snapshot = server.Current;
        _readCancel = new CancellationTokenSource(Timeout.InfiniteTimeSpan, server.Time);
        _softStopRegistration = server.SoftStop.Register(OnSoftStop);
        _hardStopRegistration = server.HardStop.Register(OnHardStop);
        // Loopback is this machine: no DNS round trip (a resolver that is down would hold up every message).
        _reverseName = transport.IsLocal || IPAddress.IsLoopback(_clientAddress)
            ? Task.FromResult<string?>("localhost")
            : server.Dns.ReverseLookupAsync(_clientAddress, server.HardStop);
    }

    bool InTransaction => (_state & SessionState.InTransaction) != 0;

    /// <summary>Runs the dialogue to its end. Never throws: a failure is logged and answered with 421.</summary>
    public async Task RunAsync()
    {
        SmtpServerLog.Connected(_server.Log, _id, _client);
        try
        {
            // A refusal at connect is the greeting, and the session ends with it: RFC 5321 §3.1 allows 554 there, or
            // 421 for a temporary one, so a policy's 550 or 451 keeps its text under the code a client expects.
            if (await AskPoliciesAsync(_snapshot, Policy.PolicyStage.Connect) is { } refusal)
                throw await EndWithAsync(refusal with { Code = refusal.IsTransient ? (short)421 : (short)554 }, "policy");
            Write(Replies.Greeting(_snapshot.Settings.Hostname));
            await FlushAsync();
            await DialogueAsync();
        }
        catch (SessionEndedException ended)
        {
            _endReason = ended.Reason;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _endReason = "connection-lost";
        }
        catch (Exception bug)
        {
            // A broken invariant: this session ends, the daemon goes on (STYLE.md §3.8).
            _endReason = "internal-error";
            SmtpServerLog.SessionFailed(_server.Log, _id, _client, bug);
            await TryWriteFinalAsync(Replies.InternalError);
        }
        finally
        {
            if (_transaction is not null)
                await _transaction.DisposeAsync();
            SmtpServerLog.Disconnected(_server.Log, _id, _client, _endReason, _commands, _messages, _recipients, _errors);
        }
    }

    async Task DialogueAsync()
    {
        while (true)
        {
            if (_stopping && !InTransaction)
                throw await EndWithAsync(Replies.ShuttingDown, "shutdown");

            ReadResult read = await ReadAsync(_server.Timeouts.Command);
            ReadOnlySequence<byte> buffer = read.Buffer;
            SessionAction action = SessionAction.None;
            FrameResult framed = FrameResult.NeedMore;

            if (_discardingLongLine)
                _discardingLongLine = !LineFramer.TrySkipLine(ref buffer);
            if (_discardingLongLine)
                buffer = buffer.Slice(buffer.End);

            // RFC 2920: answer every complete command already received, in order, then flush once.
            while (!_discardingLongLine
                   && (framed = LineFramer.TryReadLine(ref buffer, out ReadOnlySequence<byte> line)) == FrameResult.Found)
            {
                CommandRow row = CommandTable.Find(LineFramer.Linearize(line, _scratch), out ReadOnlySpan<byte> arguments);
                Reply reply = await DispatchAsync(row, Encoding.UTF8.GetString(arguments), unreadInput: !buffer.IsEmpty);
                action = Write(reply);
                if (action != SessionAction.None)
                    break;
            }
            if (action == SessionAction.None && framed == FrameResult.TooLong)
            {
                // RFC 5321 §4.5.3.1.4: 512 octets. Skip the rest of that line and go on.
                action = Write(Replies.LineTooLong.WithAction(SessionAction.None));
                _discardingLongLine = !LineFramer.TrySkipLine(ref buffer);
                if (_discardingLongLine)
                    buffer = buffer.Slice(buffer.End);
            }
            else if (action == SessionAction.None && framed == FrameResult.BareLineEnding)
                action = Write(Replies.BareLineEnding);

            // Leftovers (a pipelined body, say) are not examined: the next read must return them at once.
            if (framed == FrameResult.NeedMore && action == SessionAction.None)
                _transport.Input.AdvanceTo(buffer.Start, buffer.End);
            else
                _transport.Input.AdvanceTo(buffer.Start);
            await FlushAsync();

            switch (action)
            {
                case SessionAction.ReadBody:
                    await ReceiveBodyAsync();
                    break;
                case SessionAction.StartTls:
                    await StartTlsAsync();
                    break;
                case SessionAction.Close:
                    throw new SessionEndedException(_endReason == "closed" ? "protocol" : _endReason);
            }
            if (read.IsCompleted && action == SessionAction.None)
                throw new SessionEndedException("client-closed");   // the client left without QUIT
        }
    }

    /// <summary>Writes a reply and counts protocol errors; returns what the loop must do next.</summary>
    SessionAction Write(Reply reply)
    {
        reply.WriteTo(_transport.Output);
        if (reply.Code is 500 or 501 or 503 or 555 && ++_errors >= MaxProtocolErrors && reply.Action != SessionAction.Close)
        {
            _endReason = "too-many-errors";
            Replies.TooManyErrors.WriteTo(_transport.Output);
            return SessionAction.Close;
        }
        return reply.Action;
    }

    async Task<SessionEndedException> EndWithAsync(Reply reply, string reason)
    {
        await TryWriteFinalAsync(reply);
        return new SessionEndedException(reason);
    }

    async Task TryWriteFinalAsync(Reply reply)
    {
        try
        {
            reply.WriteTo(_transport.Output);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5), _server.Time);
            await _transport.Output.FlushAsync(limit.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone or stuck; it does not get to hear why.
        }
    }

    /// <summary>Reads with a time limit; a timeout or a shutdown ends the session with its 421.</summary>
    async ValueTask<ReadResult> ReadAsync(TimeSpan timeout)
    {
        _readCancel.CancelAfter(timeout);
        try
        {
            ReadResult result = await _transport.Input.ReadAsync(_readCancel.Token);
            _readCancel.CancelAfter(Timeout.InfiniteTimeSpan);
            return result;
        }
        catch (OperationCanceledException)
        {
            throw await EndWithAsync(_stopping ? Replies.ShuttingDown : Replies.Timeout, _stopping ? "shutdown" : "timeout");
        }
    }

    async ValueTask FlushAsync()
    {
        _readCancel.CancelAfter(_server.Timeouts.Command);   // a client that never reads is as idle as one that never writes
        try
        {
            await _transport.Output.FlushAsync(_readCancel.Token);
            _readCancel.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        catch (OperationCanceledException)
        {
            throw new SessionEndedException(_stopping ? "shutdown" : "timeout");
        }
    }

    void OnSoftStop()
    {
        _stopping = true;
        if (!InTransaction)
            CancelRead();
    }

    void OnHardStop()
    {
        _stopping = true;
        CancelRead();
    }

    void CancelRead()
    {
        try { _readCancel.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; trusted-networks are written in IPv4.
    static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public async ValueTask DisposeAsync()
    {
        _softStopRegistration.Dispose();
        _hardStopRegistration.Dispose();
        _readCancel.Dispose();
        await _transport.DisposeAsync();
    }

    /// <summary>Ends the dialogue; the reply (if any) has been written.</summary>
    sealed class SessionEndedException(string reason) : Exception(reason)
    {
        public string Reason { get; } = reason;
    }
}
