using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Postmaster.Mail;
using Postmaster.Queue;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Queue;

public sealed class QueueAdminFormatTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 1, 10, 40, 0, TimeSpan.Zero);

    static readonly Envelope Sample = new(QueueId.TryParse("0KX7M2C4J1QF00", out QueueId id) ? id : throw new FormatException(),
        new DateTimeOffset(2026, 3, 1, 10, 30, 0, TimeSpan.Zero), Mailbox.Parse("alice@example.org"),
        new ClientInfo("203.0.113.7", "mx.example.net", "mx.example.net", "ESMTPS", "TLSv1.3"), 18234, BodyType.EightBitMime,
        [
            new EnvelopeRecipient(DeliveryState.Pending, Mailbox.Parse("bob@relay.test"), Mailbox.Parse("bob@relay.test"),
                "relay(mx.relay.test:25)", null, null, "451 4.7.1 Greylisted, try again later"),
            new EnvelopeRecipient(DeliveryState.Delivered, Mailbox.Parse("carol@example.org"), Mailbox.Parse("team@example.org"),
                "pipe(/usr/bin/procmail -d carol)", "carol", null, null, new DateTimeOffset(2026, 3, 1, 10, 30, 5, TimeSpan.Zero)),
        ])
    {
        Attempts = 2,
        NextAttempt = new DateTimeOffset(2026, 3, 1, 10, 45, 12, TimeSpan.Zero),
        LastError = "451 4.7.1 Greylisted, try again later",
    };

    [Fact]
    public void ListsLikeMailq()
    {
        var output = new StringWriter { NewLine = "\n" };

        QueueAdminFormat.WriteList(output, [QueueAdmin.Entry.From(Sample)], Now);

        Assert.Equal("""
            0KX7M2C4J1QF00  2026-03-01 10:30:00Z      18234 octets  from <alice@example.org>
              next attempt 2026-03-01 10:45:12Z, 2 attempts made
              pending    <bob@relay.test>  relay(mx.relay.test:25)
                         last error: 451 4.7.1 Greylisted, try again later
              delivered  <carol@example.org>  pipe(/usr/bin/procmail -d carol)
                         delivered 2026-03-01 10:30:05Z

            -- 1 message (18 KiB), 1 recipient pending

            """, output.ToString());
    }

    [Fact]
    public void SaysWhenTheQueueIsEmpty()
    {
        var output = new StringWriter { NewLine = "\n" };

        QueueAdminFormat.WriteList(output, [], Now);

        Assert.Equal("-- 0 messages: the queue is empty\n", output.ToString());
    }

    [Fact]
    public void ShowsTheEnvelopeAndItsHistory()
    {
        var output = new StringWriter { NewLine = "\n" };

        QueueAdminFormat.WriteShow(output, QueueAdmin.Entry.From(Sample with { NextAttempt = null, Sender = null }), Now);

        Assert.Equal("""
            Queue ID:      0KX7M2C4J1QF00
            Arrival:       2026-03-01 10:30:00Z
            Size:          18234 octets (8BITMIME)
            Sender:        <>
            Client:        mx.example.net [203.0.113.7] helo=mx.example.net ESMTPS TLSv1.3
            Attempts:      2
            Next attempt:  now
            Last error:    451 4.7.1 Greylisted, try again later
            Delay warning: not sent
            Recipients:
              pending    <bob@relay.test>  relay(mx.relay.test:25)
                         last error: 451 4.7.1 Greylisted, try again later
              delivered  <carol@example.org>  pipe(/usr/bin/procmail -d carol)
                         for <team@example.org>
                         delivered 2026-03-01 10:30:05Z

            """, output.ToString());
    }

    [Fact]
    public void WritesJsonThatReadsBack()
    {
        string json = JsonSerializer.Serialize([QueueAdmin.Entry.From(Sample)], QueueJsonContext.Default.EntryArray);

        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement entry = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal("0KX7M2C4J1QF00", entry.GetProperty("queue_id").GetString());
        Assert.Equal(18234, entry.GetProperty("message_size").GetInt64());
        Assert.Equal("alice@example.org", entry.GetProperty("sender").GetString());
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 45, 12, TimeSpan.Zero), entry.GetProperty("next_attempt").GetDateTimeOffset());
        JsonElement[] recipients = [.. entry.GetProperty("recipients").EnumerateArray()];
        Assert.Equal(["pending", "delivered"], recipients.Select(r => r.GetProperty("state").GetString()));
        Assert.Equal("451 4.7.1 Greylisted, try again later", recipients[0].GetProperty("last_error").GetString());
        Assert.Equal(JsonValueKind.Null, recipients[0].GetProperty("done_time").ValueKind);
        Assert.Equal("team@example.org", recipients[1].GetProperty("original_address").GetString());
    }

    [Fact]
    public async Task ShowsTheMessageWithLineFeeds()
    {
        var output = new MemoryStream();

        await QueueAdminFormat.CopyTextAsync(new MemoryStream("a\r\nb\rc\r\n\r\n"u8.ToArray()), output, CancellationToken.None);

        Assert.Equal("a\nb\rc\n\n", Encoding.ASCII.GetString(output.ToArray()));
    }
}
