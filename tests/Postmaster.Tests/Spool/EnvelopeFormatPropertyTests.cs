using System.Collections.Immutable;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Spool;

/// <summary>Write then TryParse gives back an equal envelope whatever the values hold, and TryParse never throws.</summary>
public sealed class EnvelopeFormatPropertyTests
{
    /// <summary>Pieces chosen to break a naive format: separators, the format's own syntax, percent signs that
    /// look encoded already, line ends, control characters, UTF-8 of every length.</summary>
    static readonly string[] Nasty =
    [
        "a", "Z", "0", " ", "  ", "<", ">", "<>", "%", "%41", "%zz", "=", "==", ":", ": ", "@", ",", "(", ")", "\"", "\\",
        "\n", "\r\n", "\r", "\t", "\0", "\u007f", "\u0085", "\u2028", "é", "日本", "😀", "mailer=", " mailer=", "rcpt: ",
        "version: 1", "orig=<a@b>", "+", "relay(mx:25)", "pipe(/bin/sh -c 'a b')", "\uFEFF",
    ];

    static readonly Gen<string> AnyText = Gen.Elements(Nasty).ArrayOf().Select(parts => string.Concat(parts));

    static readonly Gen<string> DotAtom =
        Gen.Elements("joe", "a.b", "jörg", "SRS0=x=y=example.net=joe", "o'neil", "x+ext", "日本", "a_b-c", "Ünïcødé", "%41")
            .NonEmptyListOf().Select(parts => string.Join('.', parts.Take(3)));

    // RFC 5321 quoted-string: any printable character, '"' and '\' escaped; the spool must carry spaces, '<' and '>'.
    static readonly Gen<string> Quoted =
        Gen.Elements(" ", ">", "<", "@", "\\\"", "\\\\", "é", ",", ":", "a", "%", "=", "mailer=", "()")
            .ArrayOf().Select(parts => "\"" + string.Concat(parts.Take(12)) + "\"");

    static readonly Gen<string> Domain =
        Gen.Elements("example.org", "xn--bcher-kva.example", "bücher.example", "[192.0.2.1]", "[IPv6:2001:db8::1]", "a-b.c_d.example");

    static readonly Gen<Mailbox> Address =
        (from local in Gen.OneOf(DotAtom, Quoted)
         from domain in Domain
         select Mailbox.TryParse($"{local}@{domain}", out Mailbox? m) ? m : null)
        .Where(m => m is not null).Select(m => m!);

    static readonly Gen<DateTimeOffset> Time =
        from seconds in Gen.Choose(0, int.MaxValue)
        from ticks in Gen.Choose(0, 9_999_999)
        from offsetMinutes in Gen.Choose(-14 * 60, 14 * 60)
        select new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds).AddTicks(ticks)
                                                                     .ToOffset(TimeSpan.FromMinutes(offsetMinutes));

    static readonly Gen<EnvelopeRecipient> Recipient =
        from state in Gen.Elements(DeliveryState.Pending, DeliveryState.Delivered, DeliveryState.Failed)
        from recipient in Address
        from original in Address
        from mailer in AnyText
        from user in AnyText.OrNull()
        from extension in AnyText.OrNull()
        from error in AnyText.OrNull()
        from done in Gen.OneOf(Gen.Constant<DateTimeOffset?>(null), Time.Select(t => (DateTimeOffset?)t))
        select new EnvelopeRecipient(state, recipient, original, mailer, user, extension, error, done);

    static readonly Gen<ClientInfo> Client =
        from address in Gen.OneOf(Gen.Elements("203.0.113.7", "2001:db8::1", "local", ""), AnyText)
        from name in AnyText.OrNull()
        from helo in AnyText
        from protocol in Gen.OneOf(Gen.Elements("SMTP", "ESMTP", "ESMTPS", "local"), AnyText)
        from tls in AnyText.OrNull()
        select new ClientInfo(address, name, helo, protocol, tls);

    static readonly Gen<Envelope> AnyEnvelope =
        from id in Gen.Fresh(() => QueueId.New(TimeProvider.System))
        from received in Time
        from sender in Address.OrNull()
        from client in Client
        from size in Gen.Choose(0, int.MaxValue).Select(n => (long)n * 7)
        from body in Gen.Elements(BodyType.Unspecified, BodyType.SevenBit, BodyType.EightBitMime)
        from recipients in Recipient.ArrayOf()
        from attempts in Gen.Choose(0, int.MaxValue)
        from next in Gen.OneOf(Gen.Constant<DateTimeOffset?>(null), Time.Select(t => (DateTimeOffset?)t))
        from lastError in AnyText.OrNull()
        from warned in Gen.Elements(true, false)
        select new Envelope(id, received, sender, client, size, body, [.. recipients])
        {
            Attempts = attempts, NextAttempt = next, LastError = lastError, DelayWarningSent = warned,
        };

    [Property(MaxTest = 500)]
    public Property RoundTripsAnyEnvelope() =>
        Prop.ForAll(AnyEnvelope.ToArbitrary(), envelope =>
        {
            string text = EnvelopeFormat.Write(envelope);
            bool parsed = EnvelopeFormat.TryParse(text, out Envelope? back, out string? problem);
            return (parsed && envelope.Equals(back)).Label($"{problem}\n{text}");
        });

    [Property(MaxTest = 300)]
    public Property WritesOnlyPrintableAsciiLines() =>
        Prop.ForAll(AnyEnvelope.ToArbitrary(), envelope =>
            EnvelopeFormat.Write(envelope).TrimEnd('\n').Split('\n').All(line => line.All(c => c is >= ' ' and <= '~')));

    [Property(MaxTest = 1000)]
    public Property NeverThrowsOnDamagedEnvelopes() =>
        Prop.ForAll(AnyEnvelope.ToArbitrary(), Gen.Choose(0, 10_000).ToArbitrary(), Gen.Elements(Nasty).ToArbitrary(),
            (envelope, position, insert) =>
            {
                string text = EnvelopeFormat.Write(envelope);
                int at = position % (text.Length + 1);
                string damaged = text[..at] + insert + text[Math.Min(text.Length, at + position % 3)..];
                bool parsed = EnvelopeFormat.TryParse(damaged, out Envelope? back, out string? problem);
                return parsed ? back is not null : problem!.StartsWith("line ", StringComparison.Ordinal);
            });

    [Property(MaxTest = 1000)]
    public bool NeverThrowsOnAnyBytes(byte[] bytes) =>
        EnvelopeFormat.TryParse(Encoding.UTF8.GetString(bytes), out Envelope? e, out string? problem) ? e is not null : problem is not null;
}
