using System.Text;
using MimeKit;
using MimeKit.Utils;
using Postmaster.Mail;
using Postmaster.Spool;

namespace Postmaster.Delivery;

/// <summary>Builds the bounces and delay warnings sent to a message's sender: RFC 3464 delivery status
/// notifications (multipart/report with a human-readable part, message/delivery-status and the original).</summary>
/// <remarks>Every value that may come from the network (addresses, remote replies, host names) goes through
/// <see cref="Clean"/> or an address encoding before MimeKit sees it, so it cannot end a header line; MimeKit
/// then folds long fields and encodes non-ASCII text (RFC 2047). The DSN is written with CRLF line ends.</remarks>
public static partial class DsnBuilder
{
    /// <summary>The default largest original returned whole; larger ones get their header section only.</summary>
    public const long DefaultIncludeWholeMessageUpTo = 64 * 1024;

    static readonly FormatOptions Crlf = CreateFormatOptions();

    /// <summary>Writes the whole DSN message (headers and body, CRLF line endings) to <paramref name="output"/>
    /// and returns its Message-ID (without angle brackets).</summary>
    /// <param name="reportingMta">Our host name: Reporting-MTA, the From: domain and the Message-ID's right side.</param>
    /// <param name="to">The envelope sender of the original (callers never bounce a null-sender message).</param>
    /// <param name="original">The queued message (starting with our Received: header), read from its current position.</param>
    /// <param name="now">The DSN's Date: and, for recipients without one, the Last-Attempt-Date.</param>
    /// <param name="willRetryFor">For <see cref="DsnKind.Delay"/>: the queue lifetime, counted from
    /// <see cref="Envelope.Received"/>; gives Will-Retry-Until. Ignored for failures.</param>
    /// <param name="includeWholeMessageUpTo">Originals up to this many octets are returned whole (message/rfc822),
    /// larger ones as text/rfc822-headers. No more of the original than this (plus its header section) is held in memory.</param>
    public static string Write(Stream output, DsnKind kind, string reportingMta, Mailbox to, Envelope envelope,
        IReadOnlyList<DsnRecipient> recipients, Stream original, DateTimeOffset now, TimeSpan? willRetryFor = null,
        long includeWholeMessageUpTo = DefaultIncludeWholeMessageUpTo)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(original);
        ArgumentOutOfRangeException.ThrowIfNegative(includeWholeMessageUpTo);
        if (recipients.Count == 0)
            throw new ArgumentException("a DSN needs at least one recipient", nameof(recipients));
        if (!Mailbox.TryNormalizeDomain(reportingMta, out string? host, out string? problem) || host.StartsWith('['))
            throw new ArgumentException($"bad reporting MTA name \"{reportingMta}\": {problem ?? "an address literal"}", nameof(reportingMta));

        DateTimeOffset? retryUntil = kind == DsnKind.Delay && willRetryFor is { } lifetime ? envelope.Received + lifetime : null;
        ReturnedOriginal returned = ReadOriginal(original, includeWholeMessageUpTo);

        var report = new MultipartReport("delivery-status")
        {
            HumanReadablePart(kind, host, recipients, retryUntil, returned.What),
            StatusPart(kind, host, envelope, recipients, now, retryUntil),
        };
        if (returned.Part is not null)
            report.Add(returned.Part);
        if (returned.EightBit)
            report.Headers.Add(HeaderId.ContentTransferEncoding, "8bit");   // RFC 2045 §6.4: say what a multipart contains

        string messageId = MimeUtils.GenerateMessageId(host);
        MimeMessage message = Headers(kind, host, to, now, messageId);
        message.Body = report;
        message.WriteTo(Crlf, output);
        return messageId;
    }

    static MimeMessage Headers(DsnKind kind, string host, Mailbox to, DateTimeOffset now, string messageId)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{host}"));
        message.To.Add(new MailboxAddress("", to.ToString()));
        message.Subject = kind == DsnKind.Failure ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)";
        message.Date = now;
        message.MessageId = messageId;
        message.Headers.Add("Auto-Submitted", "auto-replied");   // RFC 3834 §5: keeps auto-responders from answering
        message.MimeVersion = new Version(1, 0);
        return message;
    }

    static TextPart HumanReadablePart(DsnKind kind, string host, IReadOnlyList<DsnRecipient> recipients,
        DateTimeOffset? retryUntil, Returned original)
    {
        var text = new StringBuilder();
        text.Append($"This is the mail system at {host}.\n\n");
        if (kind == DsnKind.Failure)
            text.Append("Your message could not be delivered to the recipients below.\n");
        else
            text.Append("Your message has not been delivered yet to the recipients below.\n");
        text.Append("The reason is given with each address.\n\n");
        if (kind == DsnKind.Delay)
        {
            text.Append("Delivery will be retried until ");
            text.Append(retryUntil is { } until ? DateUtils.FormatDate(until) : "the message's time in the queue runs out");
            text.Append(".\nYou will be told if it fails for good; you need not send it again.\n\n");
        }
        text.Append(original switch
        {
            Returned.Message => "Your message is attached.\n\n",
            Returned.Headers => "The headers of your message are attached.\n\n",
            _ => "Your message could not be read back to attach it.\n\n",
        });

        foreach (DsnRecipient recipient in recipients)
        {
            text.Append($"<{recipient.FinalRecipient}>");
            if (ReportsOriginal(recipient))
                text.Append($" (originally <{recipient.OriginalRecipient}>)");
            string diagnostic = Clean(recipient.Diagnostic);
            text.Append(": ").Append(diagnostic.Length > 0 ? diagnostic : "no reason given");
            string remote = CleanHost(recipient.RemoteMta);
            if (remote.Length > 0)
                text.Append($" (from {remote})");
            text.Append('\n');
        }

        var part = new TextPart("plain") { Text = text.ToString() };
        part.ContentType.Charset = "utf-8";
        part.Prepare(EncodingConstraint.SevenBit);   // quoted-printable when a line is long or not ASCII
        return part;
    }

    static MessageDeliveryStatus StatusPart(DsnKind kind, string host, Envelope envelope,
        IReadOnlyList<DsnRecipient> recipients, DateTimeOffset now, DateTimeOffset? retryUntil)
    {
        // RFC 3464 §2.1: the per-message fields, then one group per recipient, separated by empty lines.
        var content = new MemoryStream();
        new HeaderList
        {
            { "Reporting-MTA", $"dns; {host}" },
            { "X-Postmaster-Queue-ID", envelope.Id.ToString() },
            { "Arrival-Date", DateUtils.FormatDate(envelope.Received) },
        }.WriteTo(Crlf, content);
        foreach (DsnRecipient recipient in recipients)
            RecipientGroup(kind, recipient, now, retryUntil).WriteTo(Crlf, content);
        // Each group ends with an empty line; MimeKit's own StatusGroups writer keeps the last one too, which
        // parsers (Python's email, MimeKit itself) read as an extra, empty recipient group.
        content.SetLength(content.Length - 2);   // CRLF
        content.Position = 0;
        return new MessageDeliveryStatus { Content = new MimeContent(content) };
    }

    // RFC 3464 §2.3, in its order: Original-Recipient, Final-Recipient, Action, Status, Remote-MTA,
    // Diagnostic-Code, Last-Attempt-Date, Will-Retry-Until.
    static HeaderList RecipientGroup(DsnKind kind, DsnRecipient recipient, DateTimeOffset now, DateTimeOffset? retryUntil)
    {
        var group = new HeaderList();
        if (ReportsOriginal(recipient))
            group.Add("Original-Recipient", AddressField(recipient.OriginalRecipient!));   // RFC 3461 §6.3
        group.Add("Final-Recipient", AddressField(recipient.FinalRecipient));
        group.Add("Action", kind == DsnKind.Failure ? "failed" : "delayed");
        group.Add("Status", StatusCode(recipient.Status, kind));
        string remote = CleanHost(recipient.RemoteMta);
        if (remote.Length > 0)
            group.Add("Remote-MTA", $"dns; {remote}");
        string diagnostic = Clean(recipient.Diagnostic);
        if (diagnostic.Length > 0)
            group.Add("Diagnostic-Code", $"{DiagnosticType(diagnostic)}; {diagnostic}");
        group.Add("Last-Attempt-Date", DateUtils.FormatDate(recipient.LastAttempt ?? now));
        if (kind == DsnKind.Delay && retryUntil is { } until)
            group.Add("Will-Retry-Until", DateUtils.FormatDate(until));
        return group;
    }

    static bool ReportsOriginal(DsnRecipient recipient) =>
        recipient.OriginalRecipient is { } original && original.ToString() != recipient.FinalRecipient.ToString();

    static FormatOptions CreateFormatOptions()
    {
        FormatOptions options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;   // the default is LF on Linux (TOOLCHAIN.md gotcha 4)
        return options;
    }
}
