namespace Postmaster.Spool;

/// <summary>Where one recipient of a queued message stands; written as a word in the envelope (postmaster-spool(5)).</summary>
public enum DeliveryState
{
    /// <summary>Not delivered yet: to be tried (again) at the envelope's next attempt.</summary>
    Pending,
    /// <summary>Handed to its mailer for good.</summary>
    Delivered,
    /// <summary>Failed permanently or timed out; bounced to the sender unless the sender is null.</summary>
    Failed,
}
