using System.Globalization;
using System.Text;
using Postmaster.Mail;

namespace Postmaster.Smtp.Server;

/// <summary>The <c>Received:</c> trace field prepended to every message (RFC 5321 §4.4).</summary>
internal static class ReceivedHeader
{
    /// <param name="protocol">RFC 3848 "with" keyword: SMTP, ESMTP, ESMTPS.</param>
    /// <param name="recipient">Named only for a single-recipient message: more would tell each recipient the others.</param>
    /// <param name="localUid">For a local submission (<paramref name="clientAddress"/> "local"), the sender's uid.</param>
    public static string Build(string helo, string? reverseName, string clientAddress, string hostname, string protocol,
        string queueId, string? tls, Mailbox? recipient, DateTimeOffset now, uint? localUid = null)
    {
        var text = new StringBuilder(256);
        text.Append("Received: from ").Append(Sanitize(helo));
        if (clientAddress == "local")
            text.Append(localUid is { } uid ? $" (local submission, uid {uid})\r\n" : " (local submission)\r\n");   // sendmail, over submit.sock
        else
            text.Append(" (").Append(reverseName is null ? "unknown" : Sanitize(reverseName))
                .Append(" [").Append(clientAddress).Append("])\r\n");
        text.Append("\tby ").Append(hostname).Append(" (Postmaster) with ").Append(protocol).Append(" id ").Append(queueId);
        if (tls is not null)
            text.Append("\r\n\t(").Append(tls).Append(')');
        if (recipient is not null)
            text.Append("\r\n\tfor <").Append(Sanitize(recipient.ToString())).Append('>');
        text.Append(";\r\n\t").Append(Date(now)).Append("\r\n");
        return text.ToString();
    }

    /// <summary>RFC 5322 §3.3 date-time, in UTC.</summary>
    public static string Date(DateTimeOffset when) =>
        when.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    // Client-chosen text must not break the field's structure: no comments, quotes or separators of its own.
    static string Sanitize(string text)
    {
        var clean = new StringBuilder(Math.Min(text.Length, 255));
        foreach (char c in text.AsSpan(0, Math.Min(text.Length, 255)))
            clean.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '[' or ']' or '@' or '+' ? c : '_');
        return clean.ToString();
    }
}
