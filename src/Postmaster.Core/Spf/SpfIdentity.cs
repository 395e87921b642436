namespace Postmaster.Spf;

/// <summary>Which identity a check authorizes (RFC 7208 §2.3, §2.4); the <c>identity=</c> of Received-SPF.</summary>
public enum SpfIdentity
{
    /// <summary>The MAIL FROM domain (for the null sender: postmaster at the HELO name).</summary>
    MailFrom,

    /// <summary>The HELO/EHLO name.</summary>
    Helo,
}
