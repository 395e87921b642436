using System.Net;
using Postmaster.Mail;

namespace Postmaster.Spf;

/// <summary>One check_host() question (RFC 7208 §4.1): may <paramref name="Client"/> send for this identity?</summary>
/// <param name="Client">The SMTP client's address (IPv4 as IPv4).</param>
/// <param name="Helo">The HELO/EHLO argument as given, or <c>null</c>.</param>
/// <param name="Sender">The MAIL FROM mailbox; <c>null</c> for the null sender &lt;&gt;.</param>
/// <param name="Identity">Which identity to check: <see cref="SpfIdentity.Helo"/> needs a HELO domain name.</param>
public sealed record SpfQuery(IPAddress Client, string? Helo, Mailbox? Sender, SpfIdentity Identity)
{
    /// <summary>The domain whose record decides: the HELO name, or the sender's domain.</summary>
    public string? Domain => Identity == SpfIdentity.Helo || Sender is null
        ? (DomainName.IsCheckable(Helo) ? Helo!.ToLowerInvariant() : null)
        : DomainName.IsCheckable(Sender.Domain) ? Sender.Domain : null;

    /// <summary>The "MAIL FROM" identity as RFC 7208 §2.4 defines it: for the null sender or a HELO check,
    /// postmaster at the HELO name. <c>null</c> when there is none to name.</summary>
    public string? EnvelopeFrom => Sender is not null ? Sender.ToString()
        : DomainName.IsCheckable(Helo) ? $"postmaster@{Helo!.ToLowerInvariant()}" : null;

    /// <summary>The identity's value as the comment of Received-SPF names it.</summary>
    public string IdentityText => Identity == SpfIdentity.Helo ? Helo ?? "" : EnvelopeFrom ?? Helo ?? "";
}
