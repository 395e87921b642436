namespace Postmaster.Delivery;

/// <summary>One recipient's line in a DSN: Final-Recipient, Original-Recipient, Action, Status, Diagnostic-Code
/// (the remote reply or our own), Remote-MTA when known, Last-Attempt-Date, Will-Retry-Until for delays.</summary>
/// <param name="OriginalRecipient">The address as given in RCPT TO; reported only when it differs from
/// <paramref name="FinalRecipient"/>.</param>
/// <param name="Status">The enhanced status code (RFC 3463), e.g. <c>5.1.1</c>; anything else is reported as
/// <c>5.0.0</c> (failure) or <c>4.0.0</c> (delay).</param>
/// <param name="Diagnostic">The remote server's reply (<c>550 5.1.1 ...</c>, reported as <c>smtp;</c>) or our
/// own explanation (reported as <c>x-postmaster;</c>). May come from the network: it is cleaned before use.</param>
/// <param name="RemoteMta">The host that gave the reply, when there was one.</param>
/// <param name="LastAttempt">When delivery was last tried; the DSN's date when null.</param>
public sealed record DsnRecipient(
    Mail.Mailbox FinalRecipient,
    Mail.Mailbox? OriginalRecipient,
    string Status,
    string Diagnostic,
    string? RemoteMta = null,
    DateTimeOffset? LastAttempt = null);
