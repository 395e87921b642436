using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using MimeKit.Utils;
using Postmaster.Mail;
using Postmaster.Spool;

namespace Postmaster.Submission;

/// <summary>Turns what <c>sendmail</c> reads on standard input into a message fit to queue: CRLF lines, the
/// recipients of <c>-t</c>, no Bcc:, and Date:, Message-ID: and From: when the message has none (RFC 5322
/// §3.6 requires Date and From; Postfix's cleanup(8) adds all three the same way).</summary>
public static class MessagePreparer
{
    /// <summary>Fields never passed on (Postfix cleanup(8)): blind copies must stay blind, and a
    /// Content-Length from an mbox file would be wrong once line ends change.</summary>
    static readonly string[] Removed = ["Bcc", "Resent-Bcc", "Content-Length"];

    static readonly byte[] Crlf = "\r\n"u8.ToArray();

    /// <param name="environmentName">$NAME, which Sendmail and Postfix take for the full name before GECOS.</param>
    /// <returns>The message, or why there is none (a failure with lines for standard error).</returns>
    public static async Task<(PreparedMessage? Message, SubmissionResult? Failure)> PrepareAsync(Stream input,
        SendmailOptions options, Submitter submitter, string hostname, TimeProvider time, long maxSize,
        string? environmentName, CancellationToken cancellationToken, string? temporaryDirectory = null)
    {
        if (options.Sender is not null && options.Sender.Contains('\n'))
            return (null, SubmissionResult.Failed(SubmissionOutcome.Usage, "-f: line break in the sender address"));
        Mailbox? sender;
        if (options.Sender is null)
        {
            if (!Mailbox.TryParse($"{submitter.UserName}@{hostname}", out sender, out string? problem))
                return (null, SubmissionResult.Failed(SubmissionOutcome.Usage, $"user name {submitter.UserName}: {problem}; give a sender with -f"));
        }
        else if (!SubmissionAddresses.TryParseSender(options.Sender, hostname, out sender, out string? problem))
            return (null, SubmissionResult.Failed(SubmissionOutcome.Usage, $"-f \"{options.Sender}\": {problem}"));

        var recipients = new List<Mailbox>();
        foreach (string operand in options.Recipients)
        {
            if (!SubmissionAddresses.TryAddList(Encoding.UTF8.GetBytes(operand), hostname, recipients, out string? problem))
                return (null, SubmissionResult.Failed(SubmissionOutcome.Usage, $"recipient \"{operand}\": {problem}"));
        }

        var reader = new InputLineReader(input, options.IgnoreDots);
        (List<HeaderField> fields, byte[]? firstBodyLine) = await ReadHeaderSectionAsync(reader, cancellationToken);

        if (options.ExtractRecipients)
        {
            // RFC 5322 §3.6.6: a resent message goes to the Resent- recipients, not to the original ones.
            bool resent = fields.Any(f => f.Is("Resent-To") || f.Is("Resent-Cc") || f.Is("Resent-Bcc"));
            string[] names = resent ? ["Resent-To", "Resent-Cc", "Resent-Bcc"] : ["To", "Cc", "Bcc"];
            foreach (HeaderField field in fields.Where(f => names.Any(f.Is)))
            {
                if (!SubmissionAddresses.TryAddList(field.Value, hostname, recipients, out string? problem))
                    return (null, SubmissionResult.Failed(SubmissionOutcome.BadMessage, $"{field.Name}: {problem}"));
            }
        }
        ImmutableArray<Mailbox> unique = [.. recipients.DistinctBy(r => r.Key)];
        if (unique.IsEmpty)
            return (null, SubmissionResult.Failed(options.ExtractRecipients ? SubmissionOutcome.BadMessage : SubmissionOutcome.Usage,
                options.ExtractRecipients ? "no recipients: none on the command line, none in To:, Cc: or Bcc:" : "no recipients given (and no -t)"));

        var content = new MessageBuffer(temporaryDirectory);
        try
        {
            foreach (HeaderField field in fields.Where(f => !Removed.Any(f.Is)))
            {
                foreach (byte[] line in field.Lines)
                    WriteLine(content, line);
            }
            DateTimeOffset now = time.GetLocalNow();
            if (!fields.Any(f => f.Is("Date")))
                WriteLine(content, Encoding.ASCII.GetBytes($"Date: {DateField(now)}"));
            if (!fields.Any(f => f.Is("From")))
                WriteLine(content, FromField(sender, submitter, hostname, options.FullName ?? NonEmpty(environmentName) ?? submitter.FullName));
            if (!fields.Any(f => f.Is("Message-ID")))
                WriteLine(content, Encoding.ASCII.GetBytes($"Message-ID: <{now.UtcDateTime:yyyyMMddHHmmss}.{QueueId.New(time)}@{hostname}>"));
            content.Write(Crlf);                            // the empty line that ends the header section

            if (firstBodyLine is not null)
                WriteLine(content, firstBodyLine);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                WriteLine(content, line);
                if (content.Length > maxSize)
                {
                    content.Dispose();
                    return (null, SubmissionResult.Failed(SubmissionOutcome.BadMessage,
                        $"the message is larger than max-message-size ({maxSize} octets)"));
                }
            }
        }
        catch
        {
            content.Dispose();
            throw;
        }
        return (new PreparedMessage(sender, unique, content), null);
    }

    /// <summary>Reads header fields up to the empty line that ends them, or up to the first line that cannot be
    /// a header line: that one starts the body (Postfix does the same for "echo text | sendmail user").</summary>
    static async Task<(List<HeaderField> Fields, byte[]? FirstBodyLine)> ReadHeaderSectionAsync(InputLineReader reader,
        CancellationToken cancellationToken)
    {
        var fields = new List<HeaderField>();
        bool first = true;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            // An mbox "From " line, as saved by mail readers, is not part of the message (Sendmail drops it too).
            if (first && line.AsSpan().StartsWith("From "u8) && HeaderField.NameOf(line) is null)
            {
                first = false;
                continue;
            }
            first = false;
            if (line.Length == 0)
                return (fields, null);
            if (line[0] is (byte)' ' or (byte)'\t' && fields.Count > 0)
                fields[^1].Lines.Add(line);
            else if (HeaderField.NameOf(line) is { } name)
                fields.Add(new HeaderField(name, line));
            else
                return (fields, line);
        }
        return (fields, null);
    }

    static void WriteLine(MessageBuffer content, byte[] line)
    {
        content.Write(line);
        content.Write(Crlf);
    }

    /// <summary>RFC 5322 §3.3 date-time in the local zone, as a user's mail program would write it.</summary>
    public static string DateField(DateTimeOffset when)
    {
        TimeSpan offset = when.Offset;
        char sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return when.ToString("ddd, d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) +
               $"{sign}{offset.Hours:00}{offset.Minutes:00}";
    }

    /// <summary><c>From: "Full Name" &lt;sender&gt;</c>; the name quoted (RFC 5322 §3.2.4) or, when not ASCII,
    /// an RFC 2047 encoded word.</summary>
    static byte[] FromField(Mailbox? sender, Submitter submitter, string hostname, string? fullName)
    {
        string address = sender?.ToString() ?? $"{submitter.UserName}@{hostname}";
        string? name = fullName?.ReplaceLineEndings(" ").Trim();
        if (string.IsNullOrEmpty(name))
            return Encoding.UTF8.GetBytes($"From: {address}");
        string phrase = Ascii.IsValid(name) && !name.Any(char.IsControl)
            ? $"\"{name.Replace("\\", "\\\\").Replace("\"", "\\\"")}\""
            : Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, name));
        return Encoding.UTF8.GetBytes($"From: {phrase} <{address}>");
    }

    static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
