using System.Net;
using Postmaster.Mail;
using Postmaster.Routing;

namespace Postmaster.Policy;

/// <summary>What a policy is told about the session when it is asked; later stages know more.</summary>
/// <param name="Stage">Where in the dialogue we are.</param>
/// <param name="SessionId">The session's id in the log.</param>
/// <param name="ClientAddress">The client's IP address (IPv4 as IPv4, not mapped); loopback for submit.sock.</param>
/// <param name="ClientName">The client's forward-confirmed reverse name, or <c>null</c> when it has none (yet).</param>
/// <param name="IsLocal">The client came over the local submission socket.</param>
/// <param name="IsTrusted">The client is local or in <c>trusted-networks</c>.</param>
/// <param name="Helo">The HELO/EHLO argument, or <c>null</c> before it.</param>
/// <param name="Protocol">SMTP, ESMTP or ESMTPS.</param>
/// <param name="TlsDescription">The TLS version and cipher, or <c>null</c> in plaintext.</param>
/// <param name="QueueId">The queue id, from MAIL on.</param>
/// <param name="Sender">The envelope sender from MAIL on; <c>null</c> for the null sender <c>&lt;&gt;</c> too
/// (see <see cref="HasSender"/>).</param>
/// <param name="HasSender">MAIL FROM has been given (so a null <see cref="Sender"/> means &lt;&gt;).</param>
/// <param name="Size">The SIZE announced at MAIL, or the real size at <see cref="PolicyStage.Data"/>.</param>
/// <param name="Recipient">At RCPT: this recipient. At <see cref="PolicyStage.Data"/>: the only recipient when
/// there is exactly one (as Postfix tells its policy servers), else <c>null</c>.</param>
/// <param name="Resolution">At RCPT: where this recipient goes.</param>
/// <param name="RecipientCount">Recipients accepted so far in this transaction.</param>
public sealed record SessionFacts(
    PolicyStage Stage,
    string SessionId,
    IPAddress ClientAddress,
    string? ClientName,
    bool IsLocal,
    bool IsTrusted,
    string? Helo,
    string Protocol,
    string? TlsDescription,
    string? QueueId = null,
    Mailbox? Sender = null,
    bool HasSender = false,
    long? Size = null,
    Mailbox? Recipient = null,
    Resolution? Resolution = null,
    int RecipientCount = 0);
