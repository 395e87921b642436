using Postmaster.Mail;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Submission;

/// <summary>One message through the daemon's socket: EHLO, MAIL, RCPT for each recipient, DATA, QUIT. Any
/// recipient refused means nothing is sent, so the caller's copy (mailx's dead.letter) is the only one.</summary>
internal static class SocketSubmission
{
    /// <summary>After a 220 greeting (<see cref="SubmissionClient.ReadGreetingAsync"/>).</summary>
    public static async Task<SubmissionResult> SendAsync(SubmissionClient client, PreparedMessage message, string hostname,
        CancellationToken cancellationToken)
    {
        Reply hello = await client.CommandAsync($"EHLO {hostname}", cancellationToken);
        if (hello.Code != 250)
            return await EndAsync(client, SubmissionResult.Failed(SubmissionOutcome.TemporaryFailure, $"EHLO: {hello}"), cancellationToken);
        string[] extensions = hello.Text.Split('\n');
        bool Offers(string keyword) => extensions.Skip(1).Any(e => e.Equals(keyword, StringComparison.OrdinalIgnoreCase)
            || e.StartsWith(keyword + " ", StringComparison.OrdinalIgnoreCase));

        string mail = $"MAIL FROM:<{message.Sender}>";
        if (Offers("SIZE"))
            mail += $" SIZE={message.Content.Length}";
        if (Offers("8BITMIME"))
            mail += message.Content.EightBit ? " BODY=8BITMIME" : " BODY=7BIT";     // RFC 6152
        Reply reply = await client.CommandAsync(mail, cancellationToken);
        if (!reply.IsPositive)
            return await EndAsync(client, Refused(reply, $"sender <{message.Sender}>", SubmissionOutcome.BadMessage), cancellationToken);

        var refused = new List<string>();
        var deferred = new List<string>();
        foreach (Mailbox recipient in message.Recipients)
        {
            reply = await client.CommandAsync($"RCPT TO:<{recipient}>", cancellationToken);
            if (reply.IsPermanent)
                refused.Add($"<{recipient}>: {reply}");
            else if (reply.IsTransient)
                deferred.Add($"<{recipient}>: {reply}");
        }
        if (refused.Count > 0)
            return await EndAsync(client, SubmissionResult.Failed(SubmissionOutcome.RecipientRefused,
                [.. refused, .. deferred, "nothing was sent"]), cancellationToken);
        if (deferred.Count > 0)
            return await EndAsync(client, SubmissionResult.Failed(SubmissionOutcome.TemporaryFailure,
                [.. deferred, "nothing was sent"]), cancellationToken);

        reply = await client.CommandAsync("DATA", cancellationToken);
        if (reply.Code != 354)
            return await EndAsync(client, Refused(reply, "DATA", SubmissionOutcome.BadMessage), cancellationToken);
        reply = await client.SendDataAsync(message.Content.Rewind(), cancellationToken);
        if (!reply.IsPositive)
            return await EndAsync(client, Refused(reply, "message", SubmissionOutcome.BadMessage), cancellationToken);

        return await EndAsync(client, SubmissionResult.Queued(QueueIdOf(reply)), cancellationToken);
    }

    /// <summary>4xx: try later; 5xx: <paramref name="permanent"/>.</summary>
    static SubmissionResult Refused(Reply reply, string what, SubmissionOutcome permanent) =>
        SubmissionResult.Failed(reply.IsTransient ? SubmissionOutcome.TemporaryFailure : permanent, $"{what}: {reply}");

    /// <summary>QUIT, whatever the outcome; a daemon that has already gone changes nothing.</summary>
    static async Task<SubmissionResult> EndAsync(SubmissionClient client, SubmissionResult result, CancellationToken cancellationToken)
    {
        try
        {
            await client.CommandAsync("QUIT", cancellationToken);
        }
        catch (IOException)
        {
        }
        return result;
    }

    /// <summary>"Ok: queued as 0KX7M2C4J1QF" → the id; null when the reply says otherwise.</summary>
    internal static string? QueueIdOf(Reply reply)
    {
        const string marker = "queued as ";
        int at = reply.Text.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
            return null;
        string rest = reply.Text[(at + marker.Length)..];
        int end = rest.IndexOfAny([' ', '\n']);
        return end < 0 ? rest : rest[..end];
    }
}
