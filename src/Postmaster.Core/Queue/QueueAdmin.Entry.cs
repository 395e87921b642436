using System.Text.Json.Serialization;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;

namespace Postmaster.Queue;

// What the queue commands show of a message: `spool list --json` prints an array of Entry (names after
// Postfix's `postqueue -j` where one exists), and the text listing is made from the same values.
public sealed partial class QueueAdmin
{
    /// <summary>One queued message.</summary>
    public sealed record Entry(
        [property: JsonPropertyName("queue_id")] string QueueId,
        [property: JsonPropertyName("arrival_time")] DateTimeOffset ArrivalTime,
        [property: JsonPropertyName("message_size")] long MessageSize,
        [property: JsonPropertyName("sender")] string Sender,
        [property: JsonPropertyName("client")] string Client,
        [property: JsonPropertyName("body")] string Body,
        [property: JsonPropertyName("attempts")] int Attempts,
        [property: JsonPropertyName("next_attempt")] DateTimeOffset? NextAttempt,
        [property: JsonPropertyName("last_error")] string? LastError,
        [property: JsonPropertyName("delay_warning_sent")] bool DelayWarningSent,
        [property: JsonPropertyName("recipients")] IReadOnlyList<Recipient> Recipients)
    {
        /// <param name="envelope">The spool's view of the message.</param>
        public static Entry From(Envelope envelope) => new(
            envelope.Id.ToString(), envelope.Received, envelope.Size, envelope.Sender?.ToString() ?? "",
            ClientText(envelope.Client), BodyText(envelope.Body), envelope.Attempts, envelope.NextAttempt, envelope.LastError,
            envelope.DelayWarningSent, [.. envelope.Recipients.Select(Recipient.From)]);

        static string ClientText(ClientInfo c) =>
            c.Address == "local" ? $"local ({c.Helo})"
            : $"{c.ReverseName ?? "unknown"} [{c.Address}] helo={c.Helo} {c.Protocol}{(c.Tls is null ? "" : " " + c.Tls)}";

        static string BodyText(BodyType body) => body switch
        {
            BodyType.SevenBit => "7BIT",
            BodyType.EightBitMime => "8BITMIME",
            _ => "unspecified",
        };
    }

    /// <summary>One final delivery of a queued message.</summary>
    public sealed record Recipient(
        [property: JsonPropertyName("address")] string Address,
        [property: JsonPropertyName("original_address")] string OriginalAddress,
        [property: JsonPropertyName("state")] string State,
        [property: JsonPropertyName("mailer")] string Mailer,
        [property: JsonPropertyName("last_error")] string? LastError,
        [property: JsonPropertyName("done_time")] DateTimeOffset? DoneTime)
    {
        public static Recipient From(EnvelopeRecipient r) => new(
            r.Recipient.ToString(), r.OriginalRecipient.ToString(), StateWord(r.State), r.Mailer, r.LastError, r.DoneAt);
    }

    /// <summary>The words of postmaster-spool(5): pending, delivered, failed.</summary>
    public static string StateWord(DeliveryState state) => state switch
    {
        DeliveryState.Pending => "pending",
        DeliveryState.Delivered => "delivered",
        _ => "failed",
    };
}
