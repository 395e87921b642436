using System.Text;
using MimeKit;
using MimeKit.Utils;
using Postmaster.Delivery;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Delivery;

public sealed class DsnBuilderTests
{
    internal const string Host = "mx.example.test";
    internal static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 15, 0, TimeSpan.Zero);
    internal static readonly TimeSpan Lifetime = TimeSpan.FromDays(5);
    static readonly QueueId Id = QueueId.TryParse("1KJMF592002W1S", out QueueId id) ? id : throw new InvalidOperationException();

    internal static readonly Envelope Envelope = new(
        Id, new DateTimeOffset(2026, 3, 1, 10, 30, 0, TimeSpan.Zero), Mailbox.Parse("alice@example.org"),
        new ClientInfo("203.0.113.7", "client.example.org", "client.example.org", "ESMTPS", null),
        OriginalText.Length, BodyType.SevenBit, []);

    internal const string OriginalText =
        "Received: from client.example.org (client.example.org [203.0.113.7])\r\n" +
        "\tby mx.example.test with ESMTPS id 1KJMF592002W1S; Sun, 01 Mar 2026 10:30:00 +0000\r\n" +
        "From: Alice <alice@example.org>\r\n" +
        "To: bob@example.net\r\n" +
        "Subject: Lunch\r\n" +
        "Message-ID: <lunch-1@example.org>\r\n" +
        "\r\n" +
        "See you at noon.\r\n";

    internal static readonly DsnRecipient Bob = new(
        Mailbox.Parse("bob@example.net"), Mailbox.Parse("robert@example.net"), "5.1.1",
        "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown", "mx.example.net",
        new DateTimeOffset(2026, 3, 2, 9, 14, 0, TimeSpan.Zero));
    internal static readonly DsnRecipient Carol = new(
        Mailbox.Parse("carol@example.org"), Mailbox.Parse("carol@example.org"), "4.2.2", "mailbox /var/mail/carol is full");
    internal static readonly DsnRecipient Jorg = new(Mailbox.Parse("jörg@bücher.example"), null, "bogus", "no such user");

    internal static DsnRecipient[] Recipients(int count) => new[] { Bob, Carol, Jorg }[..count];

    /// <summary>Builds a DSN of the test envelope and returns its bytes and Message-ID.</summary>
    internal static (byte[] Bytes, string MessageId) Build(DsnKind kind, IReadOnlyList<DsnRecipient> recipients,
        string original = OriginalText, long limit = DsnBuilder.DefaultIncludeWholeMessageUpTo)
    {
        using var output = new MemoryStream();
        using var source = new MemoryStream(Encoding.UTF8.GetBytes(original));
        string messageId = DsnBuilder.Write(output, kind, Host, Mailbox.Parse("alice@example.org"), Envelope, recipients,
            source, Now, kind == DsnKind.Delay ? Lifetime : null, limit);
        return (output.ToArray(), messageId);
    }

    static MimeMessage Parse(byte[] bytes) => MimeMessage.Load(new MemoryStream(bytes));

    static MultipartReport Report(MimeMessage dsn) => Assert.IsType<MultipartReport>(dsn.Body);

    public static TheoryData<DsnKind, int> Cases => new() { { DsnKind.Failure, 1 }, { DsnKind.Failure, 3 }, { DsnKind.Delay, 1 }, { DsnKind.Delay, 3 } };

    [Theory, MemberData(nameof(Cases))]
    public void WritesTheMessageHeaders(DsnKind kind, int count)
    {
        (byte[] bytes, string messageId) = Build(kind, Recipients(count));
        MimeMessage dsn = Parse(bytes);

        Assert.Equal("\"Mail Delivery System\" <MAILER-DAEMON@mx.example.test>", dsn.From.ToString());
        Assert.Equal("alice@example.org", dsn.To.ToString());
        Assert.Equal(kind == DsnKind.Failure ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)", dsn.Subject);
        Assert.Equal(Now, dsn.Date);
        Assert.Equal(messageId, dsn.MessageId);
        Assert.EndsWith("@mx.example.test", messageId);
        Assert.Equal("auto-replied", dsn.Headers["Auto-Submitted"]);
        Assert.Equal("1.0", dsn.Headers[HeaderId.MimeVersion]);
        Assert.Null(dsn.Headers["Content-Transfer-Encoding"]);
    }

    [Theory, MemberData(nameof(Cases))]
    public void ReportsEveryRecipientInTheDeliveryStatus(DsnKind kind, int count)
    {
        MimeMessage dsn = Parse(Build(kind, Recipients(count)).Bytes);

        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal(1 + count, status.StatusGroups.Count);

        HeaderList perMessage = status.StatusGroups[0];
        Assert.Equal("dns; mx.example.test", perMessage["Reporting-MTA"]);
        Assert.Equal("1KJMF592002W1S", perMessage["X-Postmaster-Queue-ID"]);
        Assert.True(DateUtils.TryParse(perMessage["Arrival-Date"], out DateTimeOffset arrival));
        Assert.Equal(Envelope.Received, arrival);

        string action = kind == DsnKind.Failure ? "failed" : "delayed";
        HeaderList bob = status.StatusGroups[1];
        Assert.Equal(
            [
                "Original-Recipient: rfc822; robert@example.net",
                "Final-Recipient: rfc822; bob@example.net",
                $"Action: {action}",
                "Status: 5.1.1",
                "Remote-MTA: dns; mx.example.net",
                "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown",
                "Last-Attempt-Date: Mon, 02 Mar 2026 09:14:00 +0000",
                .. kind == DsnKind.Delay ? ["Will-Retry-Until: Fri, 06 Mar 2026 10:30:00 +0000"] : Array.Empty<string>(),
            ],
            bob.Select(h => $"{h.Field}: {h.Value}"));
        if (count == 3)
        {
            HeaderList carol = status.StatusGroups[2];
            Assert.Null(carol["Original-Recipient"]);   // the same as the final one
            Assert.Equal("rfc822; carol@example.org", carol["Final-Recipient"]);
            Assert.Equal("4.2.2", carol["Status"]);
            Assert.Equal("x-postmaster; mailbox /var/mail/carol is full", carol["Diagnostic-Code"]);
            Assert.Null(carol["Remote-MTA"]);
            Assert.Equal(DateUtils.FormatDate(Now), carol["Last-Attempt-Date"]);

            HeaderList jorg = status.StatusGroups[3];
            Assert.Equal(@"utf-8; j\x{F6}rg@xn--bcher-kva.example", jorg["Final-Recipient"]);   // RFC 6533 utf-8-addr-xtext
            Assert.Equal(kind == DsnKind.Failure ? "5.0.0" : "4.0.0", jorg["Status"]);
            Assert.Equal(action, jorg["Action"]);
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void ExplainsEachRecipientInTheHumanReadablePart(DsnKind kind, int count)
    {
        MimeMessage dsn = Parse(Build(kind, Recipients(count)).Bytes);

        var part = Assert.IsType<TextPart>(Report(dsn)[0]);
        Assert.True(part.IsPlain);
        string text = part.Text!.ReplaceLineEndings("\n");
        Assert.Contains("<bob@example.net> (originally <robert@example.net>): 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown (from mx.example.net)", text);
        if (count == 3)
        {
            Assert.Contains("<carol@example.org>: mailbox /var/mail/carol is full\n", text);
            Assert.Contains("<jörg@xn--bcher-kva.example>: no such user", text);
        }
        if (kind == DsnKind.Delay)
        {
            Assert.Contains("retried until Fri, 06 Mar 2026 10:30:00 +0000", text);
            Assert.Contains("you need not send it again.", text);
        }
        else
            Assert.Contains("could not be delivered", text);
    }

    [Theory, MemberData(nameof(Cases))]
    public void AttachesTheWholeOriginal(DsnKind kind, int count)
    {
        MimeMessage dsn = Parse(Build(kind, Recipients(count)).Bytes);

        var attached = Assert.IsType<MessagePart>(Report(dsn)[2]);
        Assert.NotNull(attached.Message);
        Assert.Equal("message/rfc822", attached.ContentType.MimeType);
        using var original = new MemoryStream();
        attached.Message.WriteTo(original);
        Assert.Equal(OriginalText, Encoding.UTF8.GetString(original.ToArray()).ReplaceLineEndings("\r\n"));
        Assert.Equal("lunch-1@example.org", attached.Message.MessageId);
    }

    [Fact]
    public void ReturnsOnlyTheHeadersOfALargeOriginal()
    {
        string large = OriginalText + string.Concat(Enumerable.Repeat(new string('z', 78) + "\r\n", 200 * 1024 / 80));
        (byte[] bytes, _) = Build(DsnKind.Failure, Recipients(1), large);

        Assert.InRange(bytes.Length, 1, 8 * 1024);
        var headers = Assert.IsType<TextRfc822Headers>(Report(Parse(bytes))[2]);
        Assert.Equal("text/rfc822-headers", headers.ContentType.MimeType);
        Assert.NotNull(headers.Message);
        Assert.Equal("Lunch", headers.Message.Subject);
        Assert.Equal("lunch-1@example.org", headers.Message.MessageId);
        Assert.DoesNotContain("zzzz", Encoding.ASCII.GetString(bytes));
        Assert.Contains("The headers of your message are attached.", ((TextPart)Report(Parse(bytes))[0]).Text);
    }

    [Fact]
    public void ReturnsAnOriginalOfExactlyTheLimitWhole()
    {
        int size = Encoding.UTF8.GetByteCount(OriginalText);
        Assert.IsType<MessagePart>(Report(Parse(Build(DsnKind.Failure, Recipients(1), limit: size).Bytes))[2]);
        Assert.IsType<TextRfc822Headers>(Report(Parse(Build(DsnKind.Failure, Recipients(1), limit: size - 1).Bytes))[2]);
    }

    [Fact]
    public void ReadsNoMoreOfALargeOriginalThanTheLimitAndItsHeaders()
    {
        byte[] large = Encoding.ASCII.GetBytes(OriginalText + new string('z', 200 * 1024));
        using var source = new ReadCountingStream(large);
        using var output = new MemoryStream();

        DsnBuilder.Write(output, DsnKind.Failure, Host, Mailbox.Parse("alice@example.org"), Envelope, Recipients(1), source, Now);

        Assert.InRange(source.Consumed, DsnBuilder.DefaultIncludeWholeMessageUpTo + 1, DsnBuilder.DefaultIncludeWholeMessageUpTo + 1);
        Assert.IsType<TextRfc822Headers>(Report(Parse(output.ToArray()))[2]);
    }

    [Fact]
    public void ReadsOnToTheEndOfAHeaderSectionLongerThanTheLimit()
    {
        string headers = string.Concat(Enumerable.Range(0, 100).Select(i => $"X-Trace-{i}: {new string('t', 60)}\r\n"));
        (byte[] bytes, _) = Build(DsnKind.Failure, Recipients(1), OriginalText.Replace("Subject: Lunch\r\n", headers + "Subject: Lunch\r\n"), limit: 1024);

        var returned = Assert.IsType<TextRfc822Headers>(Report(Parse(bytes))[2]);
        Assert.NotNull(returned.Message);
        Assert.Equal("Lunch", returned.Message.Subject);
        Assert.NotNull(returned.Message.Headers["X-Trace-99"]);
    }

    [Fact]
    public void KeepsNetworkTextFromAddingHeaders()
    {
        DsnRecipient evil = Bob with
        {
            Diagnostic = "550 5.1.1 unknown\r\nX-Injected: yes\r\n\r\nBcc: mallory@example.net\n--boundary ünïcödé\u2028X-Other: 1",
            RemoteMta = "mx.example.net\r\nX-Remote-Injected: yes",
        };
        (byte[] bytes, _) = Build(DsnKind.Failure, [evil, Carol]);
        MimeMessage dsn = Parse(bytes);

        Assert.Null(dsn.Headers["X-Injected"]);
        Assert.Null(dsn.Headers["Bcc"]);
        var report = Report(dsn);
        Assert.Equal(3, report.Count);
        var status = (MessageDeliveryStatus)report[1];
        Assert.Equal(3, status.StatusGroups.Count);
        HeaderList group = status.StatusGroups[1];
        Assert.DoesNotContain(group, h => h.Field is "X-Injected" or "Bcc" or "X-Other" or "X-Remote-Injected");
        Assert.Equal("smtp; 550 5.1.1 unknown X-Injected: yes Bcc: mallory@example.net --boundary ünïcödé X-Other: 1", group["Diagnostic-Code"]);
        Assert.Equal("dns; mx.example.net_X-Remote-Injected:_yes", group["Remote-MTA"]);
        Assert.Equal("rfc822; carol@example.org", status.StatusGroups[2]["Final-Recipient"]);
        Assert.True(Ascii.IsValid(Section(bytes, "Content-Type: message/delivery-status")), "message/delivery-status must stay ASCII (RFC 2047 words)");
    }

    [Theory, MemberData(nameof(Cases))]
    public void WritesOnlyCrlfLinesOfAtMost998Octets(DsnKind kind, int count) =>
        AssertWellFormedLines(Build(kind, Recipients(count)).Bytes);

    [Fact]
    public void FoldsAVeryLongDiagnostic()
    {
        DsnRecipient chatty = Carol with { Diagnostic = "451 4.3.0 " + new string('x', 1500) + " " + string.Concat(Enumerable.Repeat("and more ", 200)) };
        (byte[] bytes, _) = Build(DsnKind.Delay, [chatty]);

        AssertWellFormedLines(bytes);
        string diagnostic = ((MessageDeliveryStatus)Report(Parse(bytes))[1]).StatusGroups[1]["Diagnostic-Code"] ?? "";
        Assert.StartsWith("smtp; 451 4.3.0 " + new string('x', 1500) + " and more", diagnostic);
        Assert.EndsWith("...", diagnostic);
        Assert.InRange(diagnostic.Length, 1000, DsnBuilder.MaxDiagnostic + 20);
    }

    [Fact]
    public void TurnsAnOriginalWithBareLineFeedsIntoCrlf()
    {
        (byte[] bytes, _) = Build(DsnKind.Failure, Recipients(1), OriginalText.Replace("\r\n", "\n"));

        AssertWellFormedLines(bytes);
        Assert.Equal("Lunch", ((MessagePart)Report(Parse(bytes))[2]).Message?.Subject);
    }

    [Theory]
    [InlineData("", 65536)]
    [InlineData("no header here, just text\r\n", 65536)]
    [InlineData("\0\u0001 binary", 65536)]
    [InlineData("no header here, just text\r\n\r\nbody\r\n", 10)]
    [InlineData("\r\nbody without headers\r\n", 10)]
    public void StillBouncesWhenTheOriginalCannotBeRead(string original, long limit)
    {
        (byte[] bytes, _) = Build(DsnKind.Failure, Recipients(1), original, limit);

        AssertWellFormedLines(bytes);
        MultipartReport report = Report(Parse(bytes));
        Assert.Equal(2, report.Count);
        Assert.Contains("could not be read back", ((TextPart)report[0]).Text);
        Assert.Equal(2, ((MessageDeliveryStatus)report[1]).StatusGroups.Count);
    }

    [Fact]
    public void MarksAnEightBitOriginal()
    {
        (byte[] bytes, _) = Build(DsnKind.Failure, Recipients(1), OriginalText.Replace("See you at noon.", "Bis später."));
        MimeMessage dsn = Parse(bytes);

        Assert.Equal("8bit", Report(dsn).Headers["Content-Transfer-Encoding"]);
        var attached = (MessagePart)Report(dsn)[2];
        Assert.Equal("8bit", attached.Headers["Content-Transfer-Encoding"]);
        Assert.Contains("Bis später.", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void RefusesABadReportingMtaOrNoRecipients()
    {
        using var output = new MemoryStream();
        Assert.Throws<ArgumentException>(() => DsnBuilder.Write(output, DsnKind.Failure, "mx.example.test\r\nX-Evil: 1",
            Mailbox.Parse("alice@example.org"), Envelope, Recipients(1), new MemoryStream(), Now));
        Assert.Throws<ArgumentException>(() => DsnBuilder.Write(output, DsnKind.Failure, Host,
            Mailbox.Parse("alice@example.org"), Envelope, [], new MemoryStream(), Now));
        Assert.Equal(0, output.Length);
    }

    [Theory]
    [InlineData("5.1.1", DsnKind.Failure, "5.1.1")]
    [InlineData(" 4.4.7 ", DsnKind.Failure, "4.4.7")]
    [InlineData("5.123.999", DsnKind.Delay, "5.123.999")]
    [InlineData("2.0.0", DsnKind.Failure, "5.0.0")]
    [InlineData("5.1", DsnKind.Failure, "5.0.0")]
    [InlineData("5.1.1234", DsnKind.Delay, "4.0.0")]
    [InlineData("5.1.1\r\nX: y", DsnKind.Failure, "5.0.0")]
    [InlineData("", DsnKind.Delay, "4.0.0")]
    public void ChecksTheStatusCode(string status, DsnKind kind, string expected) =>
        Assert.Equal(expected, DsnBuilder.StatusCode(status, kind));

    [Theory]
    [InlineData("550 5.1.1 unknown", "smtp")]
    [InlineData("451-4.7.1 first line 451 4.7.1 last line", "smtp")]
    [InlineData("421", "smtp")]
    [InlineData("connect to mx.example.net[192.0.2.1]:25: Connection refused", "x-postmaster")]
    [InlineData("5501 no", "x-postmaster")]
    [InlineData("650 no", "x-postmaster")]
    public void TellsAnSmtpReplyFromOurOwnDiagnostic(string diagnostic, string type) =>
        Assert.Equal(type, DsnBuilder.DiagnosticType(diagnostic));

    [Theory]
    [InlineData("a\r\nb", "a b")]
    [InlineData("  a \t\t b  \n", "a b")]
    [InlineData("a\u0085b\u2029c\u0000d", "a b c d")]
    [InlineData("", "")]
    public void CleansNetworkText(string text, string expected) => Assert.Equal(expected, DsnBuilder.Clean(text));

    [Fact]
    public void ReplacesALoneSurrogate() => Assert.Equal("\ufffdx", DsnBuilder.Clean(new string(['\ud800', 'x'])));

    [Theory]
    [InlineData("jörg@example.org", @"j\x{F6}rg@example.org")]
    [InlineData("a+b=c\\@x.example", @"a\x{2B}b\x{3D}c\x{5C}@x.example")]
    [InlineData("\"a b\"@x.example", @"""a\x{20}b""@x.example")]
    [InlineData("😀@x.example", @"\x{1F600}@x.example")]
    public void EncodesUtf8AddressesAsXtext(string address, string expected) =>
        Assert.Equal(expected, DsnBuilder.Utf8AddressXtext(address));

    [Theory]
    [InlineData("A: b\r\n\r\nbody", 6)]
    [InlineData("A: b\n\nbody", 5)]
    [InlineData("A: b\r\n c\r\nD: e\r\n\r\n", 16)]
    [InlineData("\r\nbody", 0)]
    [InlineData("A: b\r\nC: d\r\n", -1)]
    public void FindsTheEndOfTheHeaderSection(string message, int end) =>
        Assert.Equal(end, DsnBuilder.HeaderSectionEnd(Encoding.ASCII.GetBytes(message)));

    /// <summary>Every line ends in CRLF (no bare CR or LF) and has at most 998 octets before it (RFC 5322 §2.1.1).</summary>
    internal static void AssertWellFormedLines(byte[] bytes)
    {
        Assert.True(bytes.AsSpan().EndsWith("\r\n"u8), "the message ends with CRLF");
        int lineStart = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\r')
                Assert.True(i + 1 < bytes.Length && bytes[i + 1] == '\n', $"bare CR at {i}");
            else if (bytes[i] == '\n')
            {
                Assert.True(i > 0 && bytes[i - 1] == '\r', $"bare LF at {i}");
                Assert.True(i - 1 - lineStart <= 998, $"line at {lineStart} has {i - 1 - lineStart} octets");
                lineStart = i + 1;
            }
        }
    }

    /// <summary>The text from a line to the next MIME boundary line.</summary>
    static string Section(byte[] bytes, string startLine)
    {
        string text = Encoding.UTF8.GetString(bytes);
        int start = text.IndexOf(startLine, StringComparison.Ordinal);
        int end = text.IndexOf("\r\n--", start, StringComparison.Ordinal);
        return text[start..end];
    }

    /// <summary>A stream that cannot seek and counts what was read from it.</summary>
    sealed class ReadCountingStream(byte[] data) : MemoryStream(data, false)
    {
        public long Consumed { get; private set; }
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = base.Read(buffer, offset, count);
            Consumed += n;
            return n;
        }

        public override int Read(Span<byte> buffer)
        {
            int n = base.Read(buffer);
            Consumed += n;
            return n;
        }
    }
}
