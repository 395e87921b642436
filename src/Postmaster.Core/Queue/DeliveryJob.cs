using System.Collections.Immutable;
using Postmaster.Routing;
using Postmaster.Spool;

namespace Postmaster.Queue;

/// <summary>Recipients of one queued message that go to the same place, handed to a mailer together: one for a
/// local mailer (a mailbox or a command per recipient), every recipient for the same next hop for a relay target
/// (so that they go in one SMTP transaction).</summary>
/// <param name="Recipients">At least one; the mailer answers with one result each, in this order.</param>
/// <param name="MessagePath">queue/&lt;id&gt;.msg; mailers read the message from there.</param>
/// <param name="Mailer">The recipients' mailer, parsed from the envelope (the same text for all of them).</param>
public sealed record DeliveryJob(Envelope Envelope, ImmutableArray<EnvelopeRecipient> Recipients, Target Mailer, string MessagePath)
{
    /// <summary>A job for one recipient.</summary>
    public DeliveryJob(Envelope envelope, EnvelopeRecipient recipient, Target mailer, string messagePath)
        : this(envelope, [recipient], mailer, messagePath)
    {
    }
}
