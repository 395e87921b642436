namespace Postmaster.Spool;

/// <summary>Who handed us a message, kept in the envelope for the Received: header, logs and bounces.</summary>
/// <param name="Address">The client's IP address, or <c>local</c> for a local submission.</param>
/// <param name="ReverseName">The forward-confirmed reverse DNS name, when there is one.</param>
/// <param name="Helo">The HELO/EHLO argument as the client sent it.</param>
/// <param name="Protocol"><c>SMTP</c>, <c>ESMTP</c> or <c>ESMTPS</c> (RFC 3848), or <c>local</c>.</param>
/// <param name="Tls">The TLS protocol and cipher, e.g. <c>TLSv1.3 TLS_AES_256_GCM_SHA384</c>; null without TLS.</param>
public sealed record ClientInfo(string Address, string? ReverseName, string Helo, string Protocol, string? Tls);
