using System.Collections.Immutable;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Spool;

/// <summary>Everything about a queued message except its content: the <c>.env</c> file of postmaster-spool(5).</summary>
/// <remarks>The body (<c>.msg</c>) never changes; delivery progress is recorded by rewriting the envelope
/// (<see cref="SpoolDirectory.RewriteEnvelopeAsync"/>). Two envelopes are equal when every field is, the
/// recipients compared in order.</remarks>
/// <param name="Sender">The reverse path; null for the null sender <c>&lt;&gt;</c> (bounces).</param>
/// <param name="Size">The size of the <c>.msg</c> file in octets.</param>
public sealed record Envelope(
    QueueId Id,
    DateTimeOffset Received,
    Mailbox? Sender,
    ClientInfo Client,
    long Size,
    BodyType Body,
    ImmutableArray<EnvelopeRecipient> Recipients)
{
    readonly ImmutableArray<EnvelopeRecipient> _recipients = Recipients.IsDefault ? [] : Recipients;

    public ImmutableArray<EnvelopeRecipient> Recipients
    {
        get => _recipients;
        init => _recipients = value.IsDefault ? [] : value;
    }

    /// <summary>Delivery attempts made so far (queue runs that tried at least one recipient).</summary>
    public int Attempts { get; init; }

    /// <summary>When the queue runner should try the pending recipients again; null: as soon as it can.</summary>
    public DateTimeOffset? NextAttempt { get; init; }

    /// <summary>The last failure that concerned the whole message (a connection error, for instance).</summary>
    public string? LastError { get; init; }

    /// <summary>Whether the sender was already told that delivery is delayed (RFC 3464 "delayed" DSN).</summary>
    public bool DelayWarningSent { get; init; }

    public bool Equals(Envelope? other) =>
        other is not null
        && Id == other.Id && Received == other.Received && Sender == other.Sender && Client == other.Client
        && Size == other.Size && Body == other.Body && Recipients.SequenceEqual(other.Recipients)
        && Attempts == other.Attempts && NextAttempt == other.NextAttempt && LastError == other.LastError
        && DelayWarningSent == other.DelayWarningSent;

    public override int GetHashCode() => HashCode.Combine(Id, Received, Sender, Recipients.Length, Attempts);
}
