using Postmaster.Routing;
using Postmaster.Spool;

namespace Postmaster.Queue;

/// <summary>One recipient of one queued message, handed to a mailer.</summary>
/// <param name="MessagePath">queue/&lt;id&gt;.msg; mailers read the message from there.</param>
/// <param name="Mailer">The recipient's mailer, parsed from the envelope.</param>
public sealed record DeliveryJob(Envelope Envelope, EnvelopeRecipient Recipient, Target Mailer, string MessagePath);
