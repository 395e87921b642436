namespace Postmaster.Delivery;

/// <summary>A built-in local mailer (<c>maildir</c>, <c>mbox</c>, <c>pipe</c>): one message in, one outcome out.</summary>
/// <remarks>Implementations report every failure as a <see cref="DeliveryResult"/>; trouble on our side (disk
/// full, no permission, a lock held too long) is <see cref="DeliveryOutcome.Deferred"/>, never Failed.</remarks>
public interface ILocalMailer
{
    /// <param name="message">The message as queued (CRLF line ends), read from its current position to the end.</param>
    Task<DeliveryResult> DeliverAsync(Stream message, DeliveryEnvelope envelope, CancellationToken cancellationToken);
}
