using System.Text;
using Postmaster.Delivery;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

// Commands out, replies in, each wait bounded by its RFC 5321 §4.5.3.2 timeout; replies to outcomes.
public sealed partial class SmtpRelayClient
{
    /// <summary>Puts one command line into the output buffer (not flushed).</summary>
    /// <param name="shown">What the trace log shows instead, for AUTH payloads.</param>
    void Write(string command, string? shown = null)
    {
        if (command.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException("a command line cannot hold CR or LF", nameof(command));   // a bug upstream
        int length = Encoding.UTF8.GetByteCount(command);
        Span<byte> span = _output!.GetSpan(length + 2);
        Encoding.UTF8.GetBytes(command, span);
        span[length] = (byte)'\r';
        span[length + 1] = (byte)'\n';
        _output.Advance(length + 2);
        SmtpClientLog.Sent(_log, Peer, shown ?? command);
    }

    async ValueTask FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = Limit(timeout, cancellationToken);
        try
        {
            await _output!.FlushAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no progress for {DotStuffingStream.Seconds(timeout)}");
        }
    }

    async ValueTask<Reply> ReadReplyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = Limit(timeout, cancellationToken);
        Reply reply;
        try
        {
            reply = await _replies!.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no reply for {DotStuffingStream.Seconds(timeout)}");
        }
        SmtpClientLog.Received(_log, Peer, reply.ToString());
        if (reply.Code == 421)
            _closing ??= reply;      // RFC 5321 §3.8: the server is closing the connection; whatever it answers next
        else
            _answered++;
        return reply;
    }

    async ValueTask<Reply> CommandAsync(string command, TimeSpan timeout, CancellationToken cancellationToken, string? shown = null)
    {
        Write(command, shown);
        await FlushAsync(timeout, cancellationToken);
        return await ReadReplyAsync(timeout, cancellationToken);
    }

    /// <summary>A reply to RCPT, to DATA or after the message, as the recipient's outcome: 2xx delivered, 4xx deferred,
    /// 5xx failed, the diagnostic being the reply as the server gave it (<c>550 5.1.1 &lt;x@y&gt;: user unknown</c>).</summary>
    internal static DeliveryResult ResultOf(Reply reply) => reply.Code switch
    {
        >= 200 and < 300 => DeliveryResult.Delivered(reply.ToString()),
        >= 400 and < 500 => DeliveryResult.Deferred(StatusOf(reply, "4.0.0"), reply.ToString()),
        >= 500 => DeliveryResult.Failed(StatusOf(reply, "5.0.0"), reply.ToString()),
        _ => DeliveryResult.Deferred("4.5.0", $"unexpected reply {reply}"),
    };

    /// <summary>The reply's own RFC 3463 status when it has one (the reader keeps only those whose class matches the
    /// code), else the class default.</summary>
    static string StatusOf(Reply reply, string fallback) => string.IsNullOrEmpty(reply.Status) ? fallback : reply.Status;

    /// <summary>A refusal that only stops this attempt, as a temporary status: 554 5.7.1 → 4.7.1 (Postfix does the
    /// same with a 5xx greeting: another host or a later try may work).</summary>
    static string TransientStatus(Reply reply, string fallback) =>
        string.IsNullOrEmpty(reply.Status) ? fallback : "4" + reply.Status[1..];
}
