using System.Collections.Immutable;
using Postmaster.Mail;
using Postmaster.Spool;

namespace Postmaster.Routing;

/// <summary>Turns accepted recipients and their resolutions into the envelope's recipient lines: one per final
/// delivery (a list or an alias with several targets gives several), the same address and mailer only once.
/// The daemon, <c>sendmail</c>'s direct drop and the runner's notices all queue mail this one way.</summary>
public static class EnvelopeRecipients
{
    public static ImmutableArray<EnvelopeRecipient> From(IEnumerable<(Mailbox Original, Resolution Resolution)> accepted)
    {
        var seen = new HashSet<(string, string)>();
        var lines = ImmutableArray.CreateBuilder<EnvelopeRecipient>();
        foreach ((Mailbox original, Resolution resolution) in accepted)
        {
            foreach (FinalTarget target in resolution.Targets)
            {
                string mailer = target.Mailer.ToString();
                if (seen.Add((target.Recipient.Key, mailer)))
                    lines.Add(new EnvelopeRecipient(DeliveryState.Pending, target.Recipient, original, mailer, target.LocalUser, target.Extension));
            }
        }
        return lines.ToImmutable();
    }
}
