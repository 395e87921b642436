using System.Buffers;
using System.Text;
using Postmaster.Smtp.Protocol;
using Postmaster.Tests.Support;
using Xunit;

namespace Postmaster.Tests.Smtp.Protocol;

public sealed class LineFramerTests
{
    static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    static string Text(ReadOnlySequence<byte> bytes) => Encoding.Latin1.GetString(bytes.ToArray());

    // input, result of the first TryReadLine, the line found (or ""), what is left in the buffer
    public static TheoryData<string, FrameResult, string, string> Rows => new()
    {
        { "NOOP\r\n", FrameResult.Found, "NOOP", "" },
        { "\r\n", FrameResult.Found, "", "" },
        { "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n", FrameResult.Found, "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>\r\n" },
        { "NOOP\r\nDATA", FrameResult.Found, "NOOP", "DATA" },
        { "NOOP\x00x\r\n", FrameResult.Found, "NOOP\x00x", "" },
        { "", FrameResult.NeedMore, "", "" },
        { "NOOP", FrameResult.NeedMore, "", "NOOP" },
        { "NOOP\r", FrameResult.NeedMore, "", "NOOP\r" },
        { "NOOP\n", FrameResult.BareLineEnding, "", "NOOP\n" },
        { "\n", FrameResult.BareLineEnding, "", "\n" },
        { "NO\rOP\r\n", FrameResult.BareLineEnding, "", "NO\rOP\r\n" },
        { "NOOP\r\r\n", FrameResult.BareLineEnding, "", "NOOP\r\r\n" },
        { "NOOP\rX", FrameResult.BareLineEnding, "", "NOOP\rX" },
        { "NO\nOP\r\n", FrameResult.BareLineEnding, "", "NO\nOP\r\n" },
        { "NOOP\n\r\n", FrameResult.BareLineEnding, "", "NOOP\n\r\n" },
    };

    [Theory, MemberData(nameof(Rows))]
    public void FramesOneLine(string input, FrameResult expected, string line, string left)
    {
        var buffer = new ReadOnlySequence<byte>(Bytes(input));

        Assert.Equal(expected, LineFramer.TryReadLine(ref buffer, out ReadOnlySequence<byte> found));
        Assert.Equal(line, Text(found));
        Assert.Equal(left, Text(buffer));
    }

    [Theory, MemberData(nameof(Rows))]
    public void FramesTheSameWhateverTheSegmentBoundaries(string input, FrameResult expected, string line, string left)
    {
        byte[] bytes = Bytes(input);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            ReadOnlySequence<byte> buffer = MultiSegment.Split(bytes, cut);
            Assert.Equal(expected, LineFramer.TryReadLine(ref buffer, out ReadOnlySequence<byte> found));
            Assert.Equal(line, Text(found));
            Assert.Equal(left, Text(buffer));
        }
        ReadOnlySequence<byte> scattered = MultiSegment.EveryByte(bytes);
        Assert.Equal(expected, LineFramer.TryReadLine(ref scattered, out ReadOnlySequence<byte> again));
        Assert.Equal(line, Text(again));
    }

    [Fact]
    public void EveryPrefixOfALineNeedsMoreData()
    {
        byte[] line = Bytes("MAIL FROM:<a@example.org>\r\n");
        for (int n = 0; n < line.Length; n++)
        {
            var buffer = new ReadOnlySequence<byte>(line, 0, n);
            Assert.Equal(FrameResult.NeedMore, LineFramer.TryReadLine(ref buffer, out _));
            Assert.Equal(n, buffer.Length);
        }
    }

    // RFC 5321 §4.5.3.1.4: 512 octets including CRLF
    [Theory]
    [InlineData(510, FrameResult.Found)]
    [InlineData(511, FrameResult.TooLong)]
    public void LimitsACommandLineTo512OctetsWithCrlf(int content, FrameResult expected)
    {
        byte[] bytes = Bytes(new string('a', content) + "\r\nNOOP\r\n");
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(expected, LineFramer.TryReadLine(ref buffer, out ReadOnlySequence<byte> line));
        if (expected == FrameResult.Found)
            Assert.Equal(content, line.Length);
    }

    [Theory]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(100_000)]
    public void SaysTooLongWithoutLookingPastTheLimit(int length)
    {
        var buffer = new ReadOnlySequence<byte>(Bytes(new string('a', length)));

        Assert.Equal(length < 512 ? FrameResult.NeedMore : FrameResult.TooLong, LineFramer.TryReadLine(ref buffer, out _));
        Assert.Equal(length, buffer.Length);
    }

    [Fact]
    public void SkipsThroughTheNextLineFeed()
    {
        var buffer = new ReadOnlySequence<byte>(Bytes("aaaa\r\nNOOP\r\n"));

        Assert.True(LineFramer.TrySkipLine(ref buffer));
        Assert.Equal("NOOP\r\n", Text(buffer));
    }

    [Fact]
    public void SkipsEverythingWhenNoLineFeedHasArrived()
    {
        var buffer = new ReadOnlySequence<byte>(Bytes(new string('a', 2000)));

        Assert.False(LineFramer.TrySkipLine(ref buffer));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void LinearizesWithoutCopyingASingleSegment()
    {
        byte[] bytes = Bytes("NOOP");
        byte[] scratch = new byte[LineFramer.MaxCommandLine];

        ReadOnlySpan<byte> span = LineFramer.Linearize(new ReadOnlySequence<byte>(bytes), scratch);

        Assert.True(span.Overlaps(bytes));
        Assert.Equal("NOOP", Encoding.ASCII.GetString(LineFramer.Linearize(MultiSegment.Split(bytes, 2), scratch)));
    }
}
