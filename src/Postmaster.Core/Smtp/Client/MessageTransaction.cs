using System.Collections.Immutable;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

/// <summary>One message for one next hop: the envelope to send and the content, read as a stream.</summary>
/// <param name="Sender">The reverse path; null for the null sender <c>&lt;&gt;</c>.</param>
/// <param name="Recipients">Sent in this order; the results come back in the same order.</param>
/// <param name="Content">The message as queued (CRLF lines, not dot-stuffed), read from its current position to the
/// end and never held in memory as a whole. A seekable stream (the spool's file) lets the client convert 8-bit
/// content for a server without 8BITMIME; the caller keeps ownership.</param>
/// <param name="Size">The size of <paramref name="Content"/> in octets (the envelope's size).</param>
/// <param name="Body">What the submitting client declared (RFC 6152); <see cref="BodyType.Unspecified"/> content is
/// scanned for 8-bit octets only when the server lacks 8BITMIME.</param>
public sealed record MessageTransaction(
    Mailbox? Sender,
    ImmutableArray<Mailbox> Recipients,
    Stream Content,
    long Size,
    BodyType Body);
