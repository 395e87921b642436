namespace Postmaster.Verification;

/// <summary>What the next hop said about a recipient.</summary>
public enum VerificationStatus
{
    /// <summary>2xx to RCPT TO.</summary>
    Accepted,
    /// <summary>5xx to RCPT TO, or a domain that cannot take mail at all (NXDOMAIN, null MX).</summary>
    Rejected,
    /// <summary>Nobody could tell: a 4xx, a timeout, an unreachable next hop, DNS trouble.</summary>
    Unknown,
}

/// <summary>One verification's outcome.</summary>
/// <param name="EnhancedStatus">For a rejection, the RFC 3463 status our own refusal carries: 5.1.1 for a next
/// hop's 5xx, 5.1.2 or 5.1.10 for a domain that takes no mail.</param>
/// <param name="Text">The next hop's reply (<c>550 5.1.1 &lt;bob@example.net&gt;: user unknown</c>) or our reason.</param>
/// <param name="Via">The next hop asked (<c>mx.example.net[192.0.2.1]:25</c>), or "" when none was.</param>
/// <param name="Unreachable">Unknown because no next hop answered at all (rather than a 4xx from one).</param>
public sealed record VerificationResult(VerificationStatus Status, string EnhancedStatus, string Text, string Via,
    bool Unreachable = false, bool FromCache = false)
{
    public static VerificationResult Unknown(string reason, string via = "", bool unreachable = false) =>
        new(VerificationStatus.Unknown, "4.4.3", reason, via, unreachable);

    public override string ToString() => $"{Status.ToString().ToLowerInvariant()} {Text}";
}
