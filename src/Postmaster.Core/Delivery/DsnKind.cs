namespace Postmaster.Delivery;

/// <summary>Which delivery status notification (RFC 3464) the sender gets: a bounce or a delay warning.</summary>
public enum DsnKind
{
    /// <summary>Delivery failed for good (<c>Action: failed</c>); the message is returned.</summary>
    Failure,
    /// <summary>Delivery is late but still being retried (<c>Action: delayed</c>).</summary>
    Delay,
}
