using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Postmaster.Smtp.Protocol;
using Xunit;

namespace Postmaster.Tests.Smtp.Protocol;

/// <summary>The DATA dot-decoder (chasquid's readUntilDot table, plus the SMTP smuggling sequences).</summary>
/// <remarks>Strings stand for bytes one to one (Latin-1), so "\x00" is a NUL and "\xff" the octet 0xFF.</remarks>
public sealed class BodyReaderTests
{
    const long Unlimited = 1L << 40;
    const string Pipelined = "QUIT\r\n";

    static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    static string Text(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    sealed record Read(BodyOutcome Outcome, string Message, string Rest, int Reads, int Progress);

    static async Task<Read> ReadAsync(ChunkedPipeReader input, long maxSize = Unlimited, Stream? sink = null)
    {
        var output = new MemoryStream();
        int progress = 0;
        BodyOutcome outcome = await new BodyReader(maxSize).ReadAsync(input, sink ?? output, () => progress++, CancellationToken.None);
        return new Read(outcome, Text(output.ToArray()), Text(input.Rest()), input.Reads, progress);
    }

    static Task<Read> ReadAsync(string input, long maxSize = Unlimited) => ReadAsync(new ChunkedPipeReader(Bytes(input)), maxSize);

    // input after the 354, result, the message written (null: don't care, it is refused), what stays unread
    public static TheoryData<string, BodyResult, string?, string> Rows => new()
    {
        { ".\r\n", BodyResult.Complete, "", "" },
        { ".\r\nQUIT\r\n", BodyResult.Complete, "", "QUIT\r\n" },
        { "\r\n.\r\n", BodyResult.Complete, "\r\n", "" },
        { "Subject: x\r\n\r\nhello\r\n.\r\n", BodyResult.Complete, "Subject: x\r\n\r\nhello\r\n", "" },
        { "a\r\n.\r\nMAIL FROM:<x@y>\r\nRCPT TO:<z@y>\r\n", BodyResult.Complete, "a\r\n", "MAIL FROM:<x@y>\r\nRCPT TO:<z@y>\r\n" },
        { "a\r\n..b\r\n.c\r\n..\r\n...\r\n.\r\n", BodyResult.Complete, "a\r\n.b\r\nc\r\n.\r\n..\r\n", "" },
        { ".x\r\n.\r\n", BodyResult.Complete, "x\r\n", "" },
        { "..\r\n.\r\n", BodyResult.Complete, ".\r\n", "" },
        { "a\r\n. \r\n.\r\n", BodyResult.Complete, "a\r\n \r\n", "" },
        { "a.\r\nb. \r\n.\r\n", BodyResult.Complete, "a.\r\nb. \r\n", "" },
        { "\x00\r\n\xff\xfe\x80\r\n\t\r\n.\r\n", BodyResult.Complete, "\x00\r\n\xff\xfe\x80\r\n\t\r\n", "" },
        { "a\r\n\r\n\r\n.\r\n.\r\n", BodyResult.Complete, "a\r\n\r\n\r\n", ".\r\n" },
        // bare CR or LF: stop before the octet that shows it
        { "\n", BodyResult.BareLineEnding, null, "\n" },
        { ".\n", BodyResult.BareLineEnding, null, "\n" },
        { "a\nb\r\n.\r\n", BodyResult.BareLineEnding, null, "\nb\r\n.\r\n" },
        { "a\rb\r\n.\r\n", BodyResult.BareLineEnding, null, "b\r\n.\r\n" },
        { "a\r\r\n.\r\n", BodyResult.BareLineEnding, null, "\r\n.\r\n" },
        { "a\r\n.\r\r\n", BodyResult.BareLineEnding, null, "\r\n" },
        { "a\r\n.\rQUIT\r\n", BodyResult.BareLineEnding, null, "QUIT\r\n" },
        { "a\r\n\n.\r\n", BodyResult.BareLineEnding, null, "\n.\r\n" },
        // the input ends first
        { "", BodyResult.ConnectionClosed, null, "" },
        { "a\r\n", BodyResult.ConnectionClosed, null, "" },
        { "a\r\n.", BodyResult.ConnectionClosed, null, "" },
        { "a\r\n.\r", BodyResult.ConnectionClosed, null, "" },
        { "a\r\n\r", BodyResult.ConnectionClosed, null, "" },
    };

    [Theory, MemberData(nameof(Rows))]
    public async Task DecodesTheData(string input, BodyResult result, string? message, string rest)
    {
        Read read = await ReadAsync(input);

        Assert.Equal(result, read.Outcome.Result);
        if (message is not null)
        {
            Assert.Equal(message, read.Message);
            Assert.Equal(message.Length, read.Outcome.Size);
        }
        Assert.Equal(rest, read.Rest);
    }

    [Theory, MemberData(nameof(Rows))]
    public async Task DecodesTheSameWhereverReadsAndSegmentsSplit(string input, BodyResult result, string? message, string rest)
    {
        Read whole = await ReadAsync(input);
        byte[] bytes = Bytes(input);
        for (int cut = 1; cut < bytes.Length; cut++)
            Assert.Equal(whole with { Reads = 0, Progress = 0 }, await ReadAsync(new ChunkedPipeReader(bytes, cut)) with { Reads = 0, Progress = 0 });
        Read scattered = await ReadAsync(ChunkedPipeReader.EveryByte(bytes));
        Assert.Equal((whole.Outcome, whole.Message, whole.Rest), (scattered.Outcome, scattered.Message, scattered.Rest));
        Assert.Equal((result, rest), (whole.Outcome.Result, whole.Rest));
        Assert.True(message is null || message == whole.Message);
    }

    // SMTP smuggling (CVE-2023-51764/51765/51766): a sequence some server might take for the end of data,
    // followed by a second transaction. None may end the data early.
    public static TheoryData<string, BodyResult> Smuggling => new()
    {
        { "\n.\n", BodyResult.BareLineEnding },
        { "\n.\r\n", BodyResult.BareLineEnding },
        { "\r.\r\n", BodyResult.BareLineEnding },
        { "\r\n.\r", BodyResult.BareLineEnding },
        { "\r\n.\n", BodyResult.BareLineEnding },
        { "\r\r\n.\r\n", BodyResult.BareLineEnding },
        { "\n\r\n.\r\n", BodyResult.BareLineEnding },
        { "\r\n\x00.\r\n", BodyResult.Complete },     // a line "\0." is data
        { "\r\n.\x00\r\n", BodyResult.Complete },     // a line ".\0" is data (its dot unstuffed)
        { "\r\n..\r\n", BodyResult.Complete },        // a stuffed "." line
    };

    const string SmuggledTransaction = "MAIL FROM:<evil@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\nevil\r\n";
    const string RealEnd = ".\r\n";

    [Theory, MemberData(nameof(Smuggling))]
    public async Task NeverEndsTheDataEarly(string smuggle, BodyResult expected)
    {
        byte[] bytes = Bytes("Subject: hi\r\n\r\nhello" + smuggle + SmuggledTransaction + RealEnd + Pipelined);

        foreach (ChunkedPipeReader input in new[] { new ChunkedPipeReader(bytes), ChunkedPipeReader.EveryByte(bytes) })
        {
            Read read = await ReadAsync(input);

            Assert.Equal(expected, read.Outcome.Result);
            if (expected == BodyResult.Complete)
            {
                Assert.Contains(SmuggledTransaction, read.Message);       // the smuggled bytes stay inside
                Assert.Equal(Pipelined, read.Rest);                        // and are never read as commands
            }
            else
                Assert.EndsWith(SmuggledTransaction + RealEnd + Pipelined, read.Rest);   // left unread: 521 and close
        }
    }

    [Fact]
    public async Task KeepsSmuggledBytesExactlyAsData()
    {
        Read read = await ReadAsync("hello\r\n\x00.\r\nMAIL FROM:<evil@x>\r\n.\x00\r\n.\r\n");

        Assert.Equal(BodyResult.Complete, read.Outcome.Result);
        Assert.Equal("hello\r\n\x00.\r\nMAIL FROM:<evil@x>\r\n\x00\r\n", read.Message);
    }

    // RFC 5321 §4.5.3.1.6: 1000 octets including CRLF, not counting a stuffing dot
    [Theory]
    [InlineData("", 998, BodyResult.Complete)]
    [InlineData("", 999, BodyResult.LineTooLong)]
    [InlineData(".", 998, BodyResult.Complete)]
    [InlineData(".", 999, BodyResult.LineTooLong)]
    [InlineData("", 200_000, BodyResult.LineTooLong)]
    public async Task LimitsATextLineTo1000Octets(string stuffing, int length, BodyResult expected)
    {
        string line = stuffing + new string('a', length);
        Read read = await ReadAsync("Subject: x\r\n\r\n" + line + "\r\nafter\r\n.\r\n" + Pipelined);

        Assert.Equal(expected, read.Outcome.Result);
        Assert.Equal(Pipelined, read.Rest);                                // read on to the end
    }

    [Fact]
    public async Task CountsAnOverlongHeaderLineToo()
    {
        Read read = await ReadAsync("Subject: " + new string('x', 990) + "\r\n\r\nbody\r\n.\r\n");

        Assert.Equal(BodyResult.LineTooLong, read.Outcome.Result);
    }

    [Theory]
    [InlineData(-1, BodyResult.TooBig)]
    [InlineData(0, BodyResult.Complete)]
    [InlineData(1, BodyResult.Complete)]
    public async Task LimitsTheSizeOfTheUnstuffedMessage(int slack, BodyResult expected)
    {
        const string message = "Subject: x\r\n\r\n.hello\r\n";             // on the wire with its dot stuffed
        Read read = await ReadAsync(new ChunkedPipeReader(Bytes("Subject: x\r\n\r\n..hello\r\n.\r\n" + Pipelined)),
            maxSize: message.Length + slack);

        Assert.Equal(expected, read.Outcome.Result);
        Assert.Equal(message.Length, read.Outcome.Size);
        Assert.Equal(Pipelined, read.Rest);
        if (expected == BodyResult.Complete)
            Assert.Equal(message, read.Message);
    }

    [Fact]
    public async Task StopsWritingOnceTooBigButReadsToTheEnd()
    {
        string body = string.Concat(Enumerable.Repeat(new string('b', 78) + "\r\n", 5000));    // 400 000 octets
        Read read = await ReadAsync(new ChunkedPipeReader(Bytes(body + ".\r\n" + Pipelined)), maxSize: 100_000);

        Assert.Equal(BodyResult.TooBig, read.Outcome.Result);
        Assert.Equal(body.Length, read.Outcome.Size);
        Assert.True(read.Message.Length <= 100_000);
        Assert.Equal(Pipelined, read.Rest);
    }

    static string Headers(int received, string name = "Received:") =>
        string.Concat(Enumerable.Range(0, received).Select(i => $"{name} from h{i}.example by mx.example\r\n\tid {i}\r\n"));

    // RFC 5321 §6.3: 100 or more Received: headers is a loop
    [Theory]
    [InlineData(99, BodyResult.Complete)]
    [InlineData(100, BodyResult.TooManyHops)]
    [InlineData(150, BodyResult.TooManyHops)]
    public async Task CountsReceivedHeaders(int received, BodyResult expected)
    {
        Read read = await ReadAsync(Headers(received) + "Subject: x\r\n\r\nbody\r\n.\r\n" + Pipelined);

        Assert.Equal(expected, read.Outcome.Result);
        Assert.Equal(received, read.Outcome.ReceivedHeaders);
        Assert.Equal(Pipelined, read.Rest);
    }

    [Theory]
    [InlineData("RECEIVED: x\r\nreceived:x\r\nReCeIvEd: y\r\n\r\n", 3)]
    [InlineData("Subject: x\r\n Received: folded\r\n\tReceived: folded\r\n\r\n", 0)]
    [InlineData("X-Received: x\r\nReceived : x\r\nReceived\r\nReceive: x\r\nR\r\n\r\n", 0)]
    [InlineData("Subject: x\r\n\r\nReceived: in the body\r\n", 0)]
    [InlineData("Received: a\r\n\r\nReceived: in the body\r\n", 1)]
    [InlineData("..Received: stuffed\r\n.Received: unstuffed\r\n\r\n", 1)]
    [InlineData("Received: no empty line\r\nReceived: still headers\r\n", 2)]
    public async Task CountsOnlyReceivedFieldsOfTheHeaderSection(string message, int expected)
    {
        Read read = await ReadAsync(ChunkedPipeReader.EveryByte(Bytes(message + ".\r\n")));

        Assert.Equal(BodyResult.Complete, read.Outcome.Result);
        Assert.Equal(expected, read.Outcome.ReceivedHeaders);
    }

    [Fact]
    public async Task Decodes100HopsTheSameWhereverReadsSplit()
    {
        byte[] bytes = Bytes(Headers(100) + "\r\n..body\r\n.\r\n" + Pipelined);
        Read whole = await ReadAsync(new ChunkedPipeReader(bytes));
        Read scattered = await ReadAsync(ChunkedPipeReader.EveryByte(bytes));

        Assert.Equal(BodyResult.TooManyHops, whole.Outcome.Result);
        Assert.Equal((whole.Outcome, whole.Rest), (scattered.Outcome, scattered.Rest));
    }

    [Fact]
    public async Task StreamsALargeMessageIdenticallyWhateverTheChunks()
    {
        var random = new Random(5321);
        var wire = new StringBuilder();
        var message = new StringBuilder();
        for (int i = 0; i < 4000; i++)
        {
            string line = new string((char)('a' + i % 26), random.Next(0, 120));
            if (i % 7 == 0)
                line = "." + line;
            message.Append(line).Append("\r\n");
            wire.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
        }
        byte[] bytes = Bytes(wire + ".\r\n" + Pipelined);
        int[] cuts = [.. Enumerable.Range(0, bytes.Length / 5).Select(_ => random.Next(1, bytes.Length)).Distinct().Order()];

        foreach (ChunkedPipeReader input in new[] { new ChunkedPipeReader(bytes), new ChunkedPipeReader(bytes, cuts) })
        {
            Read read = await ReadAsync(input);
            Assert.Equal(BodyResult.Complete, read.Outcome.Result);
            Assert.Equal(message.ToString(), read.Message);
            Assert.Equal(Pipelined, read.Rest);
            Assert.Equal(read.Reads, read.Progress);                           // progress after every read
        }
    }

    [Fact]
    public async Task LeavesPipelinedCommandsUnreadAndUnexaminedInThePipe()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Bytes("hello\r\n.\r\nQUIT\r\n"));          // the writer stays open

        BodyOutcome outcome = await new BodyReader(Unlimited).ReadAsync(pipe.Reader, new MemoryStream(), null, CancellationToken.None);
        ValueTask<ReadResult> next = pipe.Reader.ReadAsync();

        Assert.Equal(BodyResult.Complete, outcome.Result);
        Assert.True(next.IsCompleted);                                         // would block if marked examined
        Assert.Equal("QUIT\r\n", Text((await next).Buffer.ToArray()));
    }

    [Fact]
    public async Task ReadsToTheEndBeforeReportingAFailingSink()
    {
        string body = string.Concat(Enumerable.Repeat(new string('b', 98) + "\r\n", 2000));   // 200 000 octets: several writes
        var input = new ChunkedPipeReader(Bytes(body + ".\r\n" + Pipelined), 1000, 90_000);

        await Assert.ThrowsAsync<IOException>(async () => await ReadAsync(input, sink: new FullDisk()));
        Assert.Equal(Pipelined, Text(input.Rest()));
    }

    sealed class FullDisk : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("No space left on device"));
    }
}
