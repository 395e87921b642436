using Postmaster.Mail;

namespace Postmaster.Spool;

/// <summary>One final delivery of a queued message: the address after routing, its mailer and its state.</summary>
/// <param name="Recipient">The address the mailer delivers to (after rewrites and aliases).</param>
/// <param name="OriginalRecipient">The address as given in RCPT TO, for DSNs (RFC 3461 ORCPT) and logs.</param>
/// <param name="Mailer">The mailer in configuration syntax, e.g. <c>relay(mx.example.net:25)</c> or
/// <c>pipe(/usr/bin/procmail -d carol)</c>.</param>
/// <param name="LocalUser">The system user a local delivery runs as, if any.</param>
/// <param name="Extension">The address extension (<c>joe+lists</c> → <c>lists</c>), if any.</param>
/// <param name="LastError">The last failure of this recipient, e.g. the remote server's reply.</param>
/// <param name="DoneAt">When the recipient was delivered or failed for good.</param>
public sealed record EnvelopeRecipient(
    DeliveryState State,
    Mailbox Recipient,
    Mailbox OriginalRecipient,
    string Mailer,
    string? LocalUser,
    string? Extension,
    string? LastError = null,
    DateTimeOffset? DoneAt = null);
