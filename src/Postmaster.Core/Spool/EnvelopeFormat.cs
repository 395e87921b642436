using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Spool;

/// <summary>The envelope file (<c>queue/&lt;id&gt;.env</c>) ↔ <see cref="Envelope"/>; the format is
/// postmaster-spool(5), version 1.</summary>
/// <remarks>
/// One <c>key: value</c> per line, in a fixed order, every line printable ASCII: whatever could split a
/// line wrongly is percent-encoded (EnvelopeFormat.Values.cs). The file ends with a newline and says how
/// many <c>rcpt:</c> lines follow (<c>nrcpt:</c>), so a file cut short at any octet fails to parse instead
/// of losing recipients. <see cref="TryParse"/> never throws and names the first bad line.
/// </remarks>
public static partial class EnvelopeFormat
{
    public const int Version = 1;

    public static string Write(Envelope e)
    {
        var text = new StringBuilder(512);
        Line(text, "version", Version.ToString(CultureInfo.InvariantCulture));
        Line(text, "id", e.Id.ToString());
        Line(text, "received", FormatTime(e.Received));
        Line(text, "client", WriteClient(e.Client));
        Line(text, "from", FormatPath(e.Sender));
        Line(text, "size", e.Size.ToString(CultureInfo.InvariantCulture));
        Line(text, "body", BodyWord(e.Body));
        Line(text, "attempts", e.Attempts.ToString(CultureInfo.InvariantCulture));
        if (e.NextAttempt is { } next)
            Line(text, "next-attempt", FormatTime(next));
        if (e.LastError is not null)
            Line(text, "last-error", Encode(e.LastError, Place.Text));
        Line(text, "delay-warning-sent", e.DelayWarningSent ? "yes" : "no");
        Line(text, "nrcpt", e.Recipients.Length.ToString(CultureInfo.InvariantCulture));
        foreach (EnvelopeRecipient r in e.Recipients)
            Line(text, "rcpt", WriteRecipient(r));
        return text.ToString();
    }

    static void Line(StringBuilder text, string key, string value) => text.Append(key).Append(": ").Append(value).Append('\n');

    // client: <address> [name=<reverse name>] helo=<helo> proto=<protocol> [tls=<tls>]
    static string WriteClient(ClientInfo c)
    {
        var text = new StringBuilder(Encode(c.Address, Place.Word));
        if (c.ReverseName is not null)
            text.Append(" name=").Append(Encode(c.ReverseName, Place.Word));
        text.Append(" helo=").Append(Encode(c.Helo, Place.Word));
        text.Append(" proto=").Append(Encode(c.Protocol, Place.Word));
        if (c.Tls is not null)
            text.Append(" tls=").Append(Encode(c.Tls, Place.Word));
        return text.ToString();
    }

    // rcpt: <state> <recipient> orig=<original> [user=] [ext=] [done=] [error=] mailer=<rest of line>
    static string WriteRecipient(EnvelopeRecipient r)
    {
        var text = new StringBuilder(StateWord(r.State));
        text.Append(' ').Append(FormatPath(r.Recipient));
        text.Append(" orig=").Append(FormatPath(r.OriginalRecipient));
        if (r.LocalUser is not null)
            text.Append(" user=").Append(Encode(r.LocalUser, Place.Word));
        if (r.Extension is not null)
            text.Append(" ext=").Append(Encode(r.Extension, Place.Word));
        if (r.DoneAt is { } done)
            text.Append(" done=").Append(FormatTime(done));
        if (r.LastError is not null)
            text.Append(" error=").Append(Encode(r.LastError, Place.Word));
        text.Append(" mailer=").Append(Encode(r.Mailer, Place.Text));     // last: configuration syntax has spaces
        return text.ToString();
    }

    static string StateWord(DeliveryState state) => state switch
    {
        DeliveryState.Pending => "pending",
        DeliveryState.Delivered => "delivered",
        DeliveryState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    static string BodyWord(BodyType body) => body switch
    {
        BodyType.SevenBit => "7bit",
        BodyType.EightBitMime => "8bitmime",
        BodyType.Unspecified => "unspecified",
        _ => throw new ArgumentOutOfRangeException(nameof(body), body, null),
    };

    /// <summary>Parses an envelope; on failure <paramref name="problem"/> is the first problem,
    /// <c>line N: what</c>. Never throws.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out Envelope? e, [NotNullWhen(false)] out string? problem)
    {
        e = null;
        var lines = new LineCursor(text);
        if (!lines.CheckAll(out problem))
            return false;

        if (!lines.Take("version", out var version, out problem))
            return false;
        if (version is not "1")
            return lines.Fail($"unsupported version '{version}' (this program reads {Version})", out problem);

        if (!lines.Take("id", out var idText, out problem))
            return false;
        if (!QueueId.TryParse(idText.ToString(), out QueueId id))
            return lines.Fail($"bad queue id '{idText}'", out problem);

        if (!lines.Take("received", out var receivedText, out problem))
            return false;
        if (!TryParseTime(receivedText, out DateTimeOffset received))
            return lines.Fail($"bad time '{receivedText}'", out problem);

        if (!lines.Take("client", out var clientText, out problem))
            return false;
        if (!TryParseClient(clientText, out ClientInfo? client, out problem))
            return lines.Fail(problem, out problem);

        if (!lines.Take("from", out var fromText, out problem))
            return false;
        if (!TryParsePath(fromText, allowNull: true, out Mailbox? sender, out problem))
            return lines.Fail(problem, out problem);

        if (!lines.Take("size", out var sizeText, out problem))
            return false;
        if (!TryParseCount(sizeText, out long size))
            return lines.Fail($"bad size '{sizeText}'", out problem);

        if (!lines.Take("body", out var bodyText, out problem))
            return false;
        BodyType? body = bodyText switch
        {
            "7bit" => BodyType.SevenBit,
            "8bitmime" => BodyType.EightBitMime,
            "unspecified" => BodyType.Unspecified,
            _ => null,
        };
        if (body is null)
            return lines.Fail($"bad body type '{bodyText}' (7bit, 8bitmime or unspecified)", out problem);

        if (!lines.Take("attempts", out var attemptsText, out problem))
            return false;
        if (!TryParseCount(attemptsText, out long attempts) || attempts > int.MaxValue)
            return lines.Fail($"bad attempts '{attemptsText}'", out problem);

        DateTimeOffset? nextAttempt = null;
        if (lines.TakeOptional("next-attempt", out var nextText))
        {
            if (!TryParseTime(nextText, out DateTimeOffset next))
                return lines.Fail($"bad time '{nextText}'", out problem);
            nextAttempt = next;
        }

        string? lastError = null;
        if (lines.TakeOptional("last-error", out var errorText) && !TryDecode(errorText, out lastError, out problem))
            return lines.Fail(problem, out problem);

        if (!lines.Take("delay-warning-sent", out var warnedText, out problem))
            return false;
        if (warnedText is not ("yes" or "no"))
            return lines.Fail($"bad delay-warning-sent '{warnedText}' (yes or no)", out problem);

        if (!lines.Take("nrcpt", out var countText, out problem))
            return false;
        if (!TryParseCount(countText, out long count))
            return lines.Fail($"bad nrcpt '{countText}'", out problem);

        var recipients = ImmutableArray.CreateBuilder<EnvelopeRecipient>();
        while (lines.TakeOptional("rcpt", out var rcptText))
        {
            if (!TryParseRecipient(rcptText, out EnvelopeRecipient? recipient, out problem))
                return lines.Fail(problem, out problem);
            recipients.Add(recipient);
        }
        if (!lines.AtEnd)
            return lines.Next($"unexpected '{lines.CurrentKey}'", out problem);
        if (recipients.Count != count)
            return lines.Next($"nrcpt is {count} but {recipients.Count} rcpt lines follow", out problem);

        e = new Envelope(id, received, sender, client, size, body.Value, recipients.ToImmutable())
        {
            Attempts = (int)attempts,
            NextAttempt = nextAttempt,
            LastError = lastError,
            DelayWarningSent = warnedText is "yes",
        };
        return true;
    }

    static bool TryParseClient(ReadOnlySpan<char> text, [NotNullWhen(true)] out ClientInfo? client, [NotNullWhen(false)] out string? problem)
    {
        client = null;
        int gap = text.IndexOf(' ');
        if (gap < 0)
        {
            problem = "client without helo= and proto=";
            return false;
        }
        if (!TryDecode(text[..gap], out string? address, out problem))
            return false;
        var fields = new Fields(["name", "helo", "proto", "tls"], rawKeys: []);
        if (!fields.TryRead(text[(gap + 1)..], out problem))
            return false;
        if (fields["helo"] is not { } helo || fields["proto"] is not { } protocol)
        {
            problem = "client without helo= or proto=";
            return false;
        }
        client = new ClientInfo(address, fields["name"], helo, protocol, fields["tls"]);
        return true;
    }

    static bool TryParseRecipient(ReadOnlySpan<char> text, [NotNullWhen(true)] out EnvelopeRecipient? recipient, [NotNullWhen(false)] out string? problem)
    {
        recipient = null;
        // Earlier words have their spaces encoded, so the first " mailer=" is the mailer's.
        int mailerAt = text.IndexOf(" mailer=", StringComparison.Ordinal);
        if (mailerAt < 0)
        {
            problem = "rcpt without mailer=";
            return false;
        }
        if (!TryDecode(text[(mailerAt + " mailer=".Length)..], out string? mailer, out problem))
            return false;

        ReadOnlySpan<char> head = text[..mailerAt];
        int gap = head.IndexOf(' ');
        DeliveryState? state = gap < 0 ? null : head[..gap] switch
        {
            "pending" => DeliveryState.Pending,
            "delivered" => DeliveryState.Delivered,
            "failed" => DeliveryState.Failed,
            _ => null,
        };
        if (state is null)
        {
            problem = $"bad state '{(gap < 0 ? head : head[..gap])}' (pending, delivered or failed)";
            return false;
        }
        head = head[(gap + 1)..];
        gap = head.IndexOf(' ');
        if (gap < 0)
        {
            problem = "rcpt without orig=";
            return false;
        }
        if (!TryParsePath(head[..gap], allowNull: false, out Mailbox? address, out problem))
            return false;

        var fields = new Fields(["orig", "user", "ext", "done", "error"], rawKeys: ["orig", "done"]);
        if (!fields.TryRead(head[(gap + 1)..], out problem))
            return false;
        if (fields["orig"] is not { } origText)
        {
            problem = "rcpt without orig=";
            return false;
        }
        if (!TryParsePath(origText, allowNull: false, out Mailbox? original, out problem))
            return false;
        DateTimeOffset? doneAt = null;
        if (fields["done"] is { } doneText)
        {
            if (!TryParseTime(doneText, out DateTimeOffset done))
            {
                problem = $"bad time '{doneText}'";
                return false;
            }
            doneAt = done;
        }
        recipient = new EnvelopeRecipient(state.Value, address!, original!, mailer, fields["user"], fields["ext"], fields["error"], doneAt);
        return true;
    }
}
