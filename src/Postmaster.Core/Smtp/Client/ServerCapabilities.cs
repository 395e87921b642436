namespace Postmaster.Smtp.Client;

/// <summary>The service extensions a server announced in its EHLO reply that the client knows how to use.</summary>
[Flags]
public enum ServerCapabilities
{
    None = 0,
    /// <summary>RFC 2920: commands may be sent in groups.</summary>
    Pipelining = 1 << 0,
    /// <summary>RFC 6152: 8-bit message content may be sent as is (with <c>BODY=8BITMIME</c>).</summary>
    EightBitMime = 1 << 1,
    /// <summary>RFC 3207.</summary>
    StartTls = 1 << 2,
    /// <summary>RFC 1870; the limit, if the server named one, is <see cref="ServerExtensions.SizeLimit"/>.</summary>
    Size = 1 << 3,
    /// <summary>RFC 2034: every reply carries an RFC 3463 status.</summary>
    EnhancedStatusCodes = 1 << 4,
    /// <summary>RFC 4954 AUTH with the PLAIN mechanism (RFC 4616).</summary>
    AuthPlain = 1 << 5,
    /// <summary>RFC 4954 AUTH with the LOGIN mechanism (draft-murchison-sasl-login).</summary>
    AuthLogin = 1 << 6,
    /// <summary>RFC 6531: UTF-8 addresses and headers.</summary>
    Smtputf8 = 1 << 7,
    /// <summary>RFC 3030 BDAT; recognised, not used yet.</summary>
    Chunking = 1 << 8,
    /// <summary>RFC 3461 delivery status notification parameters; recognised, not used yet.</summary>
    Dsn = 1 << 9,

    /// <summary>Any AUTH mechanism the client can use.</summary>
    Auth = AuthPlain | AuthLogin,
}
