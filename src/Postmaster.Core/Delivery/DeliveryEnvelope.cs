using Postmaster.Spool;

namespace Postmaster.Delivery;

/// <summary>The envelope facts one local delivery needs: for the mbox <c>From </c> line, the Return-Path header
/// and a pipe command's environment (DESIGN.md §2).</summary>
/// <remarks>Plain strings rather than <see cref="Mail.Mailbox"/>: <c>postmaster deliver</c> is also run by hand,
/// by procmail or fetchmail, with whatever they were given.</remarks>
/// <param name="Sender">The reverse path without angle brackets; <c>""</c> for the null sender <c>&lt;&gt;</c>;
/// null when nobody said (then no Return-Path header is added).</param>
/// <param name="Recipient">The address being delivered to, after routing; null when unknown.</param>
/// <param name="OriginalRecipient">The address as given in RCPT TO.</param>
/// <param name="Extension">The address extension (<c>joe+lists</c> → <c>lists</c>).</param>
/// <param name="QueueId">The message's queue id, for logs and the command's environment.</param>
/// <param name="ClientAddress">The IP address of the client that sent the message, or <c>local</c>.</param>
public sealed record DeliveryEnvelope(
    string? Sender = null,
    string? Recipient = null,
    string? OriginalRecipient = null,
    string? Extension = null,
    string? QueueId = null,
    string? ClientAddress = null)
{
    /// <summary>The recipient's domain (text after the last '@'), or "".</summary>
    public string Domain => Recipient is { } r && r.LastIndexOf('@') is int at and >= 0 ? r[(at + 1)..] : "";

    /// <summary>The recipient's local part without the extension (Postfix's <c>$user</c>), or "".</summary>
    public string LocalPartWithoutExtension
    {
        get
        {
            if (Recipient is not { } r)
                return "";
            int at = r.LastIndexOf('@');
            string local = at >= 0 ? r[..at] : r;
            if (Extension is { Length: > 0 } extension && local.EndsWith(extension, StringComparison.Ordinal)
                && local.Length > extension.Length + 1)
                return local[..(local.Length - extension.Length - 1)];     // joe+lists → joe, whatever the delimiter
            return local;
        }
    }

    /// <summary>The facts for one recipient of a queued message.</summary>
    public static DeliveryEnvelope From(Envelope envelope, EnvelopeRecipient recipient) => new(
        envelope.Sender?.ToString() ?? "",
        recipient.Recipient.ToString(),
        recipient.OriginalRecipient.ToString(),
        recipient.Extension,
        envelope.Id.ToString(),
        envelope.Client.Address);
}
