using System.Text;
using Postmaster.Submission;
using Xunit;
using static Postmaster.Tests.Submission.SubmissionFixture;

namespace Postmaster.Tests.Submission;

public sealed class MessagePreparerTests
{
    const string Complete = "From: Alice <alice@example.org>\nDate: Sat, 28 Feb 2026 09:00:00 +0000\nMessage-ID: <m1@example.org>\n";

    [Fact]
    public async Task KeepsACompleteMessageAndTurnsLineFeedsIntoCrlf()
    {
        using PreparedMessage message = await PrepareAsync(Complete + "Subject: hi\n\nline 1\nline 2\n", "bob@example.org");

        Assert.Equal("From: Alice <alice@example.org>\r\nDate: Sat, 28 Feb 2026 09:00:00 +0000\r\nMessage-ID: <m1@example.org>\r\n" +
            "Subject: hi\r\n\r\nline 1\r\nline 2\r\n", Text(message));
        Assert.Equal("joe@mx.example.net", message.Sender?.ToString());
        Assert.Equal(["bob@example.org"], message.Recipients.Select(r => r.ToString()));
    }

    [Fact]
    public async Task KeepsCrlfInputAsItIs()
    {
        using PreparedMessage message = await PrepareAsync(Complete.Replace("\n", "\r\n") + "\r\nbody\r\n", "bob@example.org");

        Assert.EndsWith("<m1@example.org>\r\n\r\nbody\r\n", Text(message));
    }

    [Fact]
    public async Task EndsTheLastLineThatHasNoLineEnd()
    {
        using PreparedMessage message = await PrepareAsync(Complete + "\nno newline at the end", "bob@example.org");

        Assert.EndsWith("\r\n\r\nno newline at the end\r\n", Text(message));
    }

    [Fact]
    public async Task DropsCarriageReturnsThatDoNotEndALine()
    {
        using PreparedMessage message = await PrepareAsync(Complete + "\na\rb\r\r\nc\n", "bob@example.org");

        Assert.EndsWith("\r\n\r\nab\r\nc\r\n", Text(message));
    }

    [Fact]
    public async Task AddsDateMessageIdAndFromWhenMissing()
    {
        using PreparedMessage message = await PrepareAsync("Subject: hi\n\nbody\n", "bob@example.org");

        string text = Text(message);
        Assert.StartsWith("Subject: hi\r\n" + AddedDate + "From: \"Joe Bloggs\" <joe@mx.example.net>\r\nMessage-ID: <20260301103000.", text);
        Assert.Matches(@"\r\nMessage-ID: <20260301103000\.[0-9A-Z]{14}@mx\.example\.net>\r\n\r\nbody\r\n$", text);
    }

    [Theory]
    [InlineData("date: Sat, 28 Feb 2026 09:00:00 +0000", "Date:")]
    [InlineData("FROM: someone@example.org", "From:")]
    [InlineData("Message-Id: <x@y>", "Message-ID:")]
    public async Task RecognisesExistingFieldsWhateverTheirCase(string field, string notAdded)
    {
        using PreparedMessage message = await PrepareAsync($"{field}\n\nbody\n", "bob@example.org");

        Assert.DoesNotContain("\r\n" + notAdded, Text(message));
    }

    [Theory]
    [InlineData(new[] { "-F", "Ann Other" }, null, "From: \"Ann Other\" <joe@mx.example.net>")]
    [InlineData(new string[0], "From Env", "From: \"From Env\" <joe@mx.example.net>")]
    [InlineData(new[] { "-f", "list-bounces@example.org" }, null, "From: \"Joe Bloggs\" <list-bounces@example.org>")]
    [InlineData(new[] { "-F", "Say \"hi\" \\o/" }, null, "From: \"Say \\\"hi\\\" \\\\o/\" <joe@mx.example.net>")]
    [InlineData(new[] { "-F", "Jörg Müller" }, null, "From: =?utf-8?b?SsO2cmcgTcO8bGxlcg==?= <joe@mx.example.net>")]
    public async Task MakesTheFromFieldFromTheFullName(string[] options, string? environmentName, string expected)
    {
        (PreparedMessage? message, _) = await PrepareRawAsync("Subject: x\n\nbody\n"u8.ToArray(), [.. options, "bob@example.org"],
            environmentName: environmentName);

        using (message)
            Assert.Contains("\r\n" + expected + "\r\n", Text(message!));
    }

    [Fact]
    public async Task WritesABareFromWithoutAnyName()
    {
        (PreparedMessage? message, _) = await PrepareRawAsync("Subject: x\n\nbody\n"u8.ToArray(), ["bob@example.org"],
            submitter: new Submitter("daemon", 1, null));

        using (message)
            Assert.Contains("\r\nFrom: daemon@mx.example.net\r\n", Text(message!));
    }

    [Fact]
    public async Task ReadsRecipientsFromToCcAndBccWithMinusTAndRemovesBcc()
    {
        using PreparedMessage message = await PrepareAsync(Complete +
            "To: Bob <bob@example.org>, carol\nCc: \"Dave D.\" <dave@example.net>,\n  eve@example.net\nBcc: secret@example.com\n" +
            "Subject: t\n\nbody\n", "-t");

        Assert.Equal(["bob@example.org", "carol@mx.example.net", "dave@example.net", "eve@example.net", "secret@example.com"],
            message.Recipients.Select(r => r.ToString()));
        string text = Text(message);
        Assert.DoesNotContain("Bcc", text);
        Assert.DoesNotContain("secret", text);
        Assert.Contains("Cc: \"Dave D.\" <dave@example.net>,\r\n  eve@example.net\r\n", text);
    }

    [Fact]
    public async Task AddsTheCommandLineRecipientsToThoseOfTheHeaderOnce()
    {
        using PreparedMessage message = await PrepareAsync("To: bob@example.org, BOB@Example.org\nSubject: t\n\nx\n",
            "-t", "admin@example.org", "bob@example.org");

        Assert.Equal(["admin@example.org", "bob@example.org"], message.Recipients.Select(r => r.ToString()));
    }

    [Fact]
    public async Task UsesResentRecipientsForAResentMessage()
    {
        using PreparedMessage message = await PrepareAsync(
            "To: original@example.org\nResent-To: new@example.org\nResent-Bcc: hidden@example.org\n\nx\n", "-t");

        Assert.Equal(["new@example.org", "hidden@example.org"], message.Recipients.Select(r => r.ToString()));
        Assert.DoesNotContain("hidden", Text(message));
    }

    [Fact]
    public async Task TakesTheMembersOfGroups()
    {
        using PreparedMessage message = await PrepareAsync("To: team: a@example.org, b@example.org;, undisclosed-recipients:;\n\nx\n", "-t");

        Assert.Equal(["a@example.org", "b@example.org"], message.Recipients.Select(r => r.ToString()));
    }

    [Fact]
    public async Task RemovesBccEvenWithoutMinusT()
    {
        using PreparedMessage message = await PrepareAsync("Bcc: hidden@example.org\nSubject: t\n\nx\n", "bob@example.org");

        Assert.DoesNotContain("hidden", Text(message));
        Assert.Equal(["bob@example.org"], message.Recipients.Select(r => r.ToString()));
    }

    [Fact]
    public async Task QualifiesBareNamesWithTheHostname()
    {
        using PreparedMessage message = await PrepareAsync("Subject: t\n\nx\n", "-f", "root", "alice", "Bob Smith <bob>");

        Assert.Equal("root@mx.example.net", message.Sender?.ToString());
        Assert.Equal(["alice@mx.example.net", "bob@mx.example.net"], message.Recipients.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData("<>")]
    [InlineData("")]
    public async Task TakesTheNullSender(string sender)
    {
        using PreparedMessage message = await PrepareAsync("Subject: t\n\nx\n", "-f", sender, "bob@example.org");

        Assert.Null(message.Sender);
        Assert.Contains("\r\nFrom: \"Joe Bloggs\" <joe@mx.example.net>\r\n", Text(message));
    }

    [Fact]
    public async Task EndsTheMessageAtALoneDotWithoutMinusI()
    {
        using PreparedMessage message = await PrepareAsync(Complete + "\nbefore\n..two dots stay\n.\nafter\n", "bob@example.org");

        Assert.EndsWith("\r\n\r\nbefore\r\n..two dots stay\r\n", Text(message));
    }

    [Theory]
    [InlineData("-i")]
    [InlineData("-oi")]
    public async Task KeepsALoneDotWithMinusI(string option)
    {
        using PreparedMessage message = await PrepareAsync(Complete + "\nbefore\n.\nafter\n", option, "bob@example.org");

        Assert.EndsWith("\r\n\r\nbefore\r\n.\r\nafter\r\n", Text(message));
    }

    [Fact]
    public async Task AcceptsALoneDotWithCrlfAsTheEnd()
    {
        using PreparedMessage message = await PrepareAsync(Complete + "\r\nbody\r\n.\r\nignored\r\n", "bob@example.org");

        Assert.EndsWith("\r\n\r\nbody\r\n", Text(message));
    }

    [Fact]
    public async Task StartsTheBodyAtTheFirstLineThatIsNoHeader()
    {
        using PreparedMessage message = await PrepareAsync("Subject: t\nthis is text\nmore\n", "bob@example.org");

        string text = Text(message);
        Assert.StartsWith("Subject: t\r\n" + AddedDate, text);
        Assert.EndsWith(">\r\n\r\nthis is text\r\nmore\r\n", text);
    }

    [Fact]
    public async Task TreatsInputWithoutHeadersAsBody()
    {
        using PreparedMessage message = await PrepareAsync("hello world\n", "bob@example.org");

        string text = Text(message);
        Assert.StartsWith(AddedDate, text);
        Assert.EndsWith(">\r\n\r\nhello world\r\n", text);
    }

    [Fact]
    public async Task DropsALeadingMboxFromLine()
    {
        using PreparedMessage message = await PrepareAsync("From alice@example.org Sat Feb 28 09:00:00 2026\n" + Complete + "\nx\n", "bob@example.org");

        Assert.StartsWith("From: Alice <alice@example.org>\r\n", Text(message));
    }

    [Fact]
    public async Task BreaksLinesLongerThan998Octets()
    {
        string longLine = new string('a', 998) + new string('b', 10);
        using PreparedMessage message = await PrepareAsync(Complete + "X-Long: " + longLine + "\n\n" + longLine + "\n" + new string('c', 998) + "\n",
            "bob@example.org");

        string[] lines = Text(message).Split("\r\n");
        Assert.All(lines, line => Assert.True(line.Length <= 998));
        Assert.Contains(" " + new string('b', 10), lines);                  // continuation of the body line
        Assert.Contains(new string('c', 998), lines);                       // exactly 998 stays whole
        Assert.Equal("X-Long: " + new string('a', 990), lines[3]);
        Assert.Equal(" " + new string('a', 8) + new string('b', 10), lines[4]);   // folded header
    }

    [Fact]
    public async Task NotesEightBitContent()
    {
        using PreparedMessage ascii = await PrepareAsync(Complete + "\nplain\n", "bob@example.org");
        using PreparedMessage utf8 = await PrepareAsync(Complete + "\nGrüße\n", "bob@example.org");

        Assert.False(ascii.Content.EightBit);
        Assert.True(utf8.Content.EightBit);
        Assert.EndsWith("\r\nGrüße\r\n", Text(utf8));
    }

    [Fact]
    public async Task RefusesAMessageLargerThanTheLimit()
    {
        (PreparedMessage? message, SubmissionResult? failure) = await PrepareRawAsync(
            Encoding.ASCII.GetBytes(Complete + "\n" + string.Concat(Enumerable.Repeat("0123456789\n", 200))), ["bob@example.org"], maxSize: 1000);

        Assert.Null(message);
        Assert.Equal(SubmissionOutcome.BadMessage, failure!.Outcome);
        Assert.Contains("max-message-size", failure.Problems[0]);
    }

    [Theory]
    [InlineData(new[] { "bob@example.org" }, "To: \"unterminated\n\nx\n", null)]
    [InlineData(new[] { "-t" }, "Subject: no recipients\n\nx\n", SubmissionOutcome.BadMessage)]
    [InlineData(new string[0], "Subject: t\n\nx\n", SubmissionOutcome.Usage)]
    [InlineData(new[] { "bad address@@" }, "Subject: t\n\nx\n", SubmissionOutcome.Usage)]
    [InlineData(new[] { "-f", "a b@@c", "bob@example.org" }, "Subject: t\n\nx\n", SubmissionOutcome.Usage)]
    [InlineData(new[] { "-t" }, "To: a@@b\n\nx\n", SubmissionOutcome.BadMessage)]
    public async Task ReportsWhatIsWrong(string[] arguments, string input, SubmissionOutcome? expected)
    {
        (PreparedMessage? message, SubmissionResult? failure) = await PrepareRawAsync(Encoding.UTF8.GetBytes(input), arguments);

        using (message)
        {
            if (expected is null)
                Assert.NotNull(message);            // without -t the header's addresses are not read at all
            else
            {
                Assert.Null(message);
                Assert.Equal(expected, failure!.Outcome);
                Assert.Single(failure.Problems);
            }
        }
    }

    [Fact]
    public async Task SpillsALargeMessageToATemporaryFile()
    {
        string body = string.Concat(Enumerable.Repeat(new string('x', 99) + "\n", 50_000));   // 5 MB with CRLF
        (PreparedMessage? message, _) = await PrepareRawAsync(Encoding.ASCII.GetBytes(Complete + "\n" + body), ["bob@example.org"],
            maxSize: 10 << 20);

        using (message)
        {
            Assert.True(message!.Content.Length > MessageBuffer.MemoryLimit);
            Assert.Equal(Complete.Replace("\n", "\r\n") + "\r\n" + body.Replace("\n", "\r\n"), Text(message));
        }
    }
}
