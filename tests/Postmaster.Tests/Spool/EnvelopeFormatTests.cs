using System.Collections.Immutable;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Spool;

public sealed class EnvelopeFormatTests
{
    static readonly QueueId Id = QueueId.TryParse("1KJMF592002W1S", out QueueId id) ? id : throw new InvalidOperationException();

    /// <summary>The example of postmaster-spool(5); keep the two identical.</summary>
    internal static readonly Envelope Example = new(
        Id, new DateTimeOffset(2026, 3, 1, 10, 30, 0, TimeSpan.Zero), Mailbox.Parse("alice@example.org"),
        new ClientInfo("203.0.113.7", "mx.example.net", "mx.example.net", "ESMTPS", "TLSv1.3 TLS_AES_256_GCM_SHA384"),
        18234, BodyType.EightBitMime,
        [
            new(DeliveryState.Pending, Mailbox.Parse("bob@relay.test"), Mailbox.Parse("bob@relay.test"),
                "relay(mx.relay.test:25)", null, null, "451 4.7.1 Greylisted, try again later"),
            new(DeliveryState.Delivered, Mailbox.Parse("carol@example.org"), Mailbox.Parse("c@example.org"),
                "pipe(/usr/bin/procmail -d carol)", "carol", null, null, new DateTimeOffset(2026, 3, 1, 10, 30, 2, 250, TimeSpan.Zero)),
            new(DeliveryState.Failed, Mailbox.Parse("\"joe <smith>\"@example.org"), Mailbox.Parse("joe+lists@example.org"),
                "mailbox(/var/mail/joe)", "joe", "lists", "552 5.2.2 Mailbox full", new DateTimeOffset(2026, 3, 1, 10, 30, 3, TimeSpan.Zero)),
        ])
    {
        Attempts = 2,
        NextAttempt = new DateTimeOffset(2026, 3, 1, 11, 45, 12, TimeSpan.FromHours(1)),
        LastError = "connect to mx.relay.test[192.0.2.25]:25: connection refused",
    };

    internal const string ExampleText =
        "version: 1\n" +
        "id: 1KJMF592002W1S\n" +
        "received: 2026-03-01T10:30:00Z\n" +
        "client: 203.0.113.7 name=mx.example.net helo=mx.example.net proto=ESMTPS tls=TLSv1.3%20TLS_AES_256_GCM_SHA384\n" +
        "from: <alice@example.org>\n" +
        "size: 18234\n" +
        "body: 8bitmime\n" +
        "attempts: 2\n" +
        "next-attempt: 2026-03-01T10:45:12Z\n" +
        "last-error: connect to mx.relay.test[192.0.2.25]:25: connection refused\n" +
        "delay-warning-sent: no\n" +
        "nrcpt: 3\n" +
        "rcpt: pending <bob@relay.test> orig=<bob@relay.test> error=451%204.7.1%20Greylisted,%20try%20again%20later mailer=relay(mx.relay.test:25)\n" +
        "rcpt: delivered <carol@example.org> orig=<c@example.org> user=carol done=2026-03-01T10:30:02.25Z mailer=pipe(/usr/bin/procmail -d carol)\n" +
        "rcpt: failed <\"joe%20%3Csmith%3E\"@example.org> orig=<joe+lists@example.org> user=joe ext=lists done=2026-03-01T10:30:03Z error=552%205.2.2%20Mailbox%20full mailer=mailbox(/var/mail/joe)\n";

    [Fact]
    public void WritesTheManualPageExample() => Assert.Equal(ExampleText, EnvelopeFormat.Write(Example));

    [Fact]
    public void ParsesTheManualPageExample()
    {
        Assert.True(EnvelopeFormat.TryParse(ExampleText, out Envelope? parsed, out string? problem), problem);
        Assert.Equal(Example, parsed);
    }

    [Fact]
    public void KeepsTheManualPageInStepWithTheExample()
    {
        string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "man", "postmaster-spool.5"));

        // In roff a backslash is written "\e"; the example sits between .EX and .EE.
        string example = page[(page.IndexOf(".EX\nversion: 1", StringComparison.Ordinal) + 4)..];
        example = example[..example.IndexOf(".EE\n", StringComparison.Ordinal)].Replace("\\e", "\\").Replace("\\&", "");
        Assert.Equal(ExampleText, example);
    }

    // One row per encoding rule: a recipient (or sender, or error) value and the text it must produce.
    public static TheoryData<string, string> RecipientRows => new()
    {
        { "joe@example.org", "<joe@example.org>" },
        { "\"joe smith\"@example.org", "<\"joe%20smith\"@example.org>" },
        { "\"a>b<c\"@example.org", "<\"a%3Eb%3Cc\"@example.org>" },
        { "\"100%\"@example.org", "<\"100%25\"@example.org>" },
        { "SRS0=HHH=TT=example.net=joe@example.org", "<SRS0=HHH=TT=example.net=joe@example.org>" },   // '=' is harmless inside <>
        { "jörg@example.org", "<j%C3%B6rg@example.org>" },
        { "joe@bücher.example", "<joe@xn--bcher-kva.example>" },
        { "joe@[IPv6:2001:db8::1]", "<joe@[ipv6:2001:db8::1]>" },
    };

    [Theory, MemberData(nameof(RecipientRows))]
    public void EncodesRecipients(string address, string expected)
    {
        Envelope envelope = Example with { Recipients = [Example.Recipients[0] with { Recipient = Mailbox.Parse(address) }] };

        string text = EnvelopeFormat.Write(envelope);

        Assert.Contains($"\nrcpt: pending {expected} orig=", text);
        Assert.True(EnvelopeFormat.TryParse(text, out Envelope? parsed, out string? problem), problem);
        Assert.Equal(envelope, parsed);
    }

    public static TheoryData<string, string> TextRows => new()
    {
        { "451 4.7.1 Greylisted", "451 4.7.1 Greylisted" },
        { "550-5.1.1 first line\r\n550 5.1.1 second", "550-5.1.1 first line%0D%0A550 5.1.1 second" },
        { "100% full", "100%25 full" },
        { " padded ", "%20padded%20" },
        { "", "" },
        { "tab\there", "tab%09here" },
        { "Zürich <x=y>", "Z%C3%BCrich <x=y>" },
    };

    [Theory, MemberData(nameof(TextRows))]
    public void EncodesRestOfLineTextMinimally(string value, string expected)
    {
        Envelope envelope = Example with
        {
            LastError = value,
            Recipients = [Example.Recipients[0] with { Mailer = value }],
        };

        string text = EnvelopeFormat.Write(envelope);

        Assert.Contains($"\nlast-error: {expected}\n", text);
        Assert.EndsWith($" mailer={expected}\n", text);
        Assert.True(EnvelopeFormat.TryParse(text, out Envelope? parsed, out string? problem), problem);
        Assert.Equal(envelope, parsed);
    }

    public static TheoryData<string, string> WordRows => new()
    {
        { "lists", "ext=lists" },
        { "a b", "ext=a%20b" },
        { "a=b", "ext=a%3Db" },
        { "x mailer=y", "ext=x%20mailer%3Dy" },
        { "<>", "ext=%3C%3E" },
        { "", "ext=" },
    };

    [Theory, MemberData(nameof(WordRows))]
    public void EncodesWords(string extension, string expected)
    {
        Envelope envelope = Example with { Recipients = [Example.Recipients[0] with { Extension = extension }] };

        string text = EnvelopeFormat.Write(envelope);

        Assert.Contains($" {expected} ", text);
        Assert.True(EnvelopeFormat.TryParse(text, out Envelope? parsed, out string? problem), problem);
        Assert.Equal(envelope, parsed);
    }

    [Fact]
    public void WritesTheNullSenderAndOmitsAbsentFields()
    {
        Envelope envelope = Example with
        {
            Sender = null, Client = new ClientInfo("local", null, "", "local", null), Body = BodyType.Unspecified,
            Attempts = 0, NextAttempt = null, LastError = null, DelayWarningSent = true, Recipients = [],
        };

        string text = EnvelopeFormat.Write(envelope);

        Assert.Equal(
            "version: 1\nid: 1KJMF592002W1S\nreceived: 2026-03-01T10:30:00Z\nclient: local helo= proto=local\nfrom: <>\n" +
            "size: 18234\nbody: unspecified\nattempts: 0\ndelay-warning-sent: yes\nnrcpt: 0\n", text);
        Assert.True(EnvelopeFormat.TryParse(text, out Envelope? parsed, out string? problem), problem);
        Assert.Equal(envelope, parsed);
    }

    // Each row changes one line of the example (found by its start) and names the problem reported.
    public static TheoryData<string, string?, string> BrokenRows => new()
    {
        { "version: ", "version: 2", "line 1: unsupported version '2' (this program reads 1)" },
        { "version: ", null, "line 1: expected 'version', found 'id'" },
        { "id: ", "id: ../x", "line 2: bad queue id '../x'" },
        { "id: ", "id: 1kjmf592002w1s", "line 2: bad queue id '1kjmf592002w1s'" },
        { "received: ", "received: 2026-03-01 10:30:00", "line 3: bad time '2026-03-01 10:30:00'" },
        { "client: ", "client: 203.0.113.7", "line 4: client without helo= and proto=" },
        { "client: ", "client: 203.0.113.7 helo=x", "line 4: client without helo= or proto=" },
        { "client: ", "client: 203.0.113.7 helo=x proto=SMTP helo=y", "line 4: helo= given twice" },
        { "client: ", "client: 203.0.113.7 helo=x proto=SMTP colour=blue", "line 4: unknown field 'colour'" },
        { "client: ", "client: 203.0.113.7 helo=a%2 proto=SMTP", "line 4: bad percent-encoding '%2'" },
        { "client: ", "client: 203.0.113.7 helo=%FF proto=SMTP", "line 4: percent-encoded octets are not UTF-8" },
        { "from: ", "from: alice@example.org", "line 5: address 'alice@example.org' not in <>" },
        { "from: ", "from: <alice>", "line 5: bad address '<alice>': missing @" },
        { "from: ", "from: <jörg@example.org>", "line 5: character U+00F6 must be percent-encoded" },
        { "size: ", "size: -1", "line 6: bad size '-1'" },
        { "size: ", "size:18234", "line 6: not 'key: value'" },
        { "body: ", "body: binarymime", "line 7: bad body type 'binarymime' (7bit, 8bitmime or unspecified)" },
        { "attempts: ", "attempts: 99999999999", "line 8: bad attempts '99999999999'" },
        { "next-attempt: ", "next-attempt: soon", "line 9: bad time 'soon'" },
        { "delay-warning-sent: ", "delay-warning-sent: maybe", "line 11: bad delay-warning-sent 'maybe' (yes or no)" },
        { "delay-warning-sent: ", null, "line 11: expected 'delay-warning-sent', found 'nrcpt'" },
        { "nrcpt: ", "nrcpt: 4", "line 16: nrcpt is 4 but 3 rcpt lines follow" },
        { "nrcpt: ", "nrcpt: 2", "line 16: nrcpt is 2 but 3 rcpt lines follow" },
        { "rcpt: pending", "rcpt: pending <bob@relay.test> orig=<bob@relay.test>", "line 13: rcpt without mailer=" },
        { "rcpt: pending", "rcpt: waiting <bob@relay.test> orig=<bob@relay.test> mailer=x", "line 13: bad state 'waiting' (pending, delivered or failed)" },
        { "rcpt: pending", "rcpt: pending <bob@relay.test> mailer=x", "line 13: rcpt without orig=" },
        { "rcpt: pending", "rcpt: pending <> orig=<bob@relay.test> mailer=x", "line 13: empty address <>" },
        { "rcpt: pending", "rcpt: pending <bob@relay.test> orig=<bob@relay.test>  mailer=x", "line 13: unknown field ''" },
        { "rcpt: pending", "rcpt: pending <bob@relay.test> orig=<bob@relay.test> done=yesterday mailer=x", "line 13: bad time 'yesterday'" },
        { "rcpt: pending", "rcpt: pending <bob@relay.test> orig=<bob@relay.test> mailer=\tx", "line 13: character U+0009 must be percent-encoded" },
        { "rcpt: failed", "rcpt: failed <a@b.example> orig=<a@b.example> mailer=x\nextra: 1", "line 16: unexpected 'extra'" },
    };

    [Theory, MemberData(nameof(BrokenRows))]
    public void ReportsTheFirstProblemWithItsLine(string lineStart, string? replacement, string expected)
    {
        string[] lines = ExampleText.TrimEnd('\n').Split('\n');
        int index = Array.FindIndex(lines, l => l.StartsWith(lineStart, StringComparison.Ordinal));
        var changed = lines.ToList();
        if (replacement is null)
            changed.RemoveAt(index);
        else
            changed[index] = replacement;

        Assert.False(EnvelopeFormat.TryParse(string.Join('\n', changed) + "\n", out Envelope? parsed, out string? problem));
        Assert.Null(parsed);
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void RejectsEveryPrefixOfAValidEnvelope()
    {
        // A file cut short at any octet (a torn write, a full disk) must never parse as a smaller envelope.
        for (int length = 0; length < ExampleText.Length; length++)
            Assert.False(EnvelopeFormat.TryParse(ExampleText[..length], out _, out _), $"prefix of {length} characters parsed");
    }

    [Fact]
    public void ReportsAnEmptyFileAndAMissingFinalNewline()
    {
        Assert.False(EnvelopeFormat.TryParse("", out _, out string? empty));
        Assert.Equal("line 1: empty file", empty);
        Assert.False(EnvelopeFormat.TryParse(ExampleText.TrimEnd('\n'), out _, out string? unterminated));
        Assert.Equal("line 15: no newline at the end (file cut short?)", unterminated);
    }

    [Fact]
    public void WritesEveryLineAsPrintableAscii()
    {
        Envelope envelope = Example with
        {
            LastError = "é\u0000\u007f\u2028😀",
            Recipients = [Example.Recipients[0] with { Mailer = "pipe(echo \"é\n\")", LocalUser = "jörg" }],
        };

        string text = EnvelopeFormat.Write(envelope);

        Assert.All(text.TrimEnd('\n').Split('\n'), line => Assert.True(line.All(c => c is >= ' ' and <= '~'), line));
        Assert.True(EnvelopeFormat.TryParse(text, out Envelope? parsed, out _));
        Assert.Equal(envelope, parsed);
    }

    static string RepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Postmaster.sln")))
                return directory;
        }
        throw new InvalidOperationException("Postmaster.sln not found above " + AppContext.BaseDirectory);
    }
}
