using System.Collections.Immutable;
using System.Text;
using Postmaster.Policy;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;

namespace Postmaster.Smtp.Server;

// DATA: the message streams into the spool's tmp/ file; 250 only once it and its envelope are durable.
internal sealed partial class SmtpSession
{
    /// <summary>On Linux an IOException's HResult is the errno; ENOSPC is 28.</summary>
    const int Enospc = 28;

    async Task ReceiveBodyAsync()
    {
        Transaction transaction = _transaction!;
        IncomingMessage message = transaction.Message;
        string queueId = message.Id.ToString();
        string sender = transaction.Sender?.ToString() ?? "";
        DateTimeOffset now = _server.Time.GetUtcNow();

        string received = ReceivedHeader.Build(_helo ?? _client, await ReverseNameAsync(), _transport.IsLocal ? "local" : _client,
            transaction.Snapshot.Settings.Hostname, Protocol, queueId, _transport.TlsDescription,
            transaction.Recipients.Count == 1 ? transaction.Recipients[0].Recipient : null, now, _transport.LocalUid);
        byte[] trace = Encoding.UTF8.GetBytes(PolicyHeaderText(transaction) + received);
        await message.Body.WriteAsync(trace);

        var reader = new BodyReader(transaction.Snapshot.Settings.MaxMessageSize);
        _readCancel.CancelAfter(_server.Timeouts.DataBlock);
        BodyOutcome outcome;
        try
        {
            outcome = await reader.ReadAsync(_transport.Input, message.Body,
                () => _readCancel.CancelAfter(_server.Timeouts.DataBlock), _readCancel.Token);
            _readCancel.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        catch (OperationCanceledException)
        {
            throw await EndWithAsync(_stopping ? Replies.ShuttingDown : Replies.Timeout, _stopping ? "shutdown" : "timeout");
        }
        catch (IOException e) when (e.InnerException is not System.Net.Sockets.SocketException)
        {
            // The spool file failed (disk full, I/O error) while the client's data was read to its end:
            // the dialogue is in step, and our trouble is a temporary failure.
            SmtpServerLog.CommitFailed(_server.Log, queueId, e.Message, _client);
            await AbandonTransactionAsync();
            _state = SessionState.Greeted;
            Write(e.HResult == Enospc ? Replies.InsufficientStorage : Replies.LocalError);
            await FlushAsync();
            return;
        }

        Reply? refusal = outcome.Result == BodyResult.Complete
            ? await AskPoliciesAsync(transaction.Snapshot, PolicyStage.Data, size: trace.Length + outcome.Size)
            : null;
        Reply reply = outcome.Result switch
        {
            BodyResult.Complete when refusal is { } refused => refused,
            BodyResult.Complete => await CommitAsync(transaction, trace.Length + outcome.Size, now),
            BodyResult.TooBig => Replies.SizeExceeded,
            BodyResult.LineTooLong => Replies.TextLineTooLong,
            BodyResult.TooManyHops => Replies.TooManyHops,
            BodyResult.BareLineEnding => Replies.BareLineEnding,
            _ => throw new SessionEndedException("client-closed"),
        };
        if (!reply.IsPositive)
            SmtpServerLog.MessageRejected(_server.Log, queueId, reply.ToString(), sender, _client);
        await AbandonTransactionAsync();   // after a commit this only lets go of the file
        _state = SessionState.Greeted;
        if (Write(reply) == SessionAction.Close)
        {
            await FlushAsync();
            throw new SessionEndedException(outcome.Result == BodyResult.BareLineEnding ? "bare-line-ending" : "protocol");
        }
        await FlushAsync();
    }

    async Task<Reply> CommitAsync(Transaction transaction, long size, DateTimeOffset received)
    {
        IncomingMessage message = transaction.Message;
        var client = new ClientInfo(_client, await ReverseNameAsync(), _helo ?? "", Protocol, _transport.TlsDescription);
        var envelope = new Envelope(message.Id, received, transaction.Sender, client, size, transaction.Body,
            EnvelopeRecipients.From(transaction.Recipients));
        try
        {
            await _server.Spool.CommitAsync(message, envelope, _server.HardStop);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            // Our own trouble (disk full, I/O error, shutdown): a temporary failure, never a 5xx.
            SmtpServerLog.CommitFailed(_server.Log, message.Id.ToString(), e.Message, _client);
            return e is IOException { HResult: Enospc } ? Replies.InsufficientStorage : Replies.LocalError;
        }
        _messages++;
        _server.Queued(message.Id);
        SmtpServerLog.Queued(_server.Log, message.Id.ToString(), transaction.Sender?.ToString() ?? "",
            envelope.Recipients.Length, size, _client);
        return Replies.Queued(message.Id.ToString());
    }

    /// <summary>The policies' header fields, each ended with CRLF; a field's own line breaks become folds.</summary>
    string PolicyHeaderText(Transaction transaction)
    {
        if (_connectHeaders.IsEmpty && _heloHeaders.IsEmpty && transaction.PolicyHeaders.Count == 0)
            return "";
        var text = new StringBuilder();
        foreach (string field in _connectHeaders.Concat(_heloHeaders).Concat(transaction.PolicyHeaders))
            text.Append(field.ReplaceLineEndings("\r\n\t").TrimEnd()).Append("\r\n");
        return text.ToString();
    }

    string Protocol => !_esmtp ? "SMTP" : _transport.TlsDescription is null ? "ESMTP" : "ESMTPS";

    /// <summary>The client's forward-confirmed reverse name, looked up since connect; never holds up DATA long.</summary>
    async Task<string?> ReverseNameAsync()
    {
        Task finished = await Task.WhenAny(_reverseName, Task.Delay(TimeSpan.FromSeconds(5), _server.Time));
        return finished == _reverseName && _reverseName.IsCompletedSuccessfully ? _reverseName.Result : null;
    }
}
