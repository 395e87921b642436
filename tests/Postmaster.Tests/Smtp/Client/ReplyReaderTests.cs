using System.IO.Pipelines;
using System.Text;
using Postmaster.Smtp.Client;
using Postmaster.Smtp.Protocol;
using Postmaster.Tests.Smtp.Protocol;
using Xunit;

namespace Postmaster.Tests.Smtp.Client;

public sealed class ReplyReaderTests
{
    /// <summary>Wire input and the reply read, as <c>Code|Status|Text</c> with the lines joined by '/'.</summary>
    public static TheoryData<string, string> Valid => new()
    {
        { "220 mx.example.net ESMTP\r\n", "220||mx.example.net ESMTP" },
        { "250 2.1.0 Ok\r\n", "250|2.1.0|Ok" },
        { "550 5.1.1 <x@y>: user unknown\r\n", "550|5.1.1|<x@y>: user unknown" },
        { "250-mx.example.net\r\n250-PIPELINING\r\n250 8BITMIME\r\n", "250||mx.example.net/PIPELINING/8BITMIME" },
        { "451-4.7.1 Greylisted\r\n451 4.7.1 try again later\r\n", "451|4.7.1|Greylisted/try again later" },
        { "250\r\n", "250||" },
        { "250-\r\n250 \r\n", "250||/" },
        { "354 End data with <CR><LF>.<CR><LF>\r\n", "354||End data with <CR><LF>.<CR><LF>" },
        { "250 ok\n", "250||ok" },                                   // LF alone is tolerated from servers
        { "550 4.1.1 class differs from the code\r\n", "550||4.1.1 class differs from the code" },
        { "250 2.0 not a status\r\n", "250||2.0 not a status" },
        { "250 2.0.0\r\n", "250|2.0.0|" },
        { "550 5.7.1 caf\u00e9 ferm\u00e9\r\n", "550|5.7.1|caf\u00e9 ferm\u00e9" },
    };

    public static TheoryData<string, string> Invalid => new()
    {
        { "250-first\r\n251 second\r\n", "reply lines with different codes 250 and 251" },
        { "hello\r\n", "malformed reply line \"hello\"" },
        { "25\r\n", "malformed reply line \"25\"" },
        { "250x ok\r\n", "malformed reply line \"250x ok\"" },
        { "650 ok\r\n", "malformed reply line \"650 ok\"" },
        { "2a0 ok\r\n", "malformed reply line \"2a0 ok\"" },
        { "250-unfinished\r\n", "connection closed by the server in the middle of a reply" },
        { "", "connection closed by the server" },
        { "250 " + new string('x', 3000) + "\r\n", "reply line longer than 2048 octets" },
        { string.Concat(Enumerable.Repeat("250-x\r\n", 100)) + "250 x\r\n", "reply longer than 100 lines" },
    };

    static string Show(Reply reply) => $"{reply.Code}|{reply.Status}|{reply.Text.Replace('\n', '/')}";

    static PipeReader Input(string wire) => PipeReader.Create(new MemoryStream(Encoding.UTF8.GetBytes(wire)));

    [Theory, MemberData(nameof(Valid))]
    public async Task ReadsAReply(string wire, string expected) =>
        Assert.Equal(expected, Show(await new ReplyReader(Input(wire)).ReadAsync(CancellationToken.None)));

    [Theory, MemberData(nameof(Valid))]
    public async Task ReadsAReplySplitAtEveryByte(string wire, string expected)
    {
        var input = ChunkedPipeReader.EveryByte(Encoding.UTF8.GetBytes(wire));
        Assert.Equal(expected, Show(await new ReplyReader(input).ReadAsync(CancellationToken.None)));
    }

    [Theory, MemberData(nameof(Invalid))]
    public async Task RejectsAViolation(string wire, string message)
    {
        var reader = new ReplyReader(Input(wire));
        var e = await Assert.ThrowsAsync<SmtpProtocolViolationException>(() => reader.ReadAsync(CancellationToken.None).AsTask());
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task ReadsPipelinedRepliesOneAtATime()
    {
        var reader = new ReplyReader(Input("250 2.1.0 Ok\r\n450 4.2.1 busy\r\n550-5.1.1 no\r\n550 5.1.1 such user\r\n354 go\r\n"));
        string[] replies = new string[4];
        for (int i = 0; i < replies.Length; i++)
            replies[i] = (await reader.ReadAsync(CancellationToken.None)).ToString();
        Assert.Equal(["250 2.1.0 Ok", "450 4.2.1 busy", "550 5.1.1 no / such user", "354 go"], replies);
    }

    [Fact]
    public async Task ReportsAClosedConnectionAsSuch()
    {
        var e = await Assert.ThrowsAsync<SmtpProtocolViolationException>(() => new ReplyReader(Input("")).ReadAsync(CancellationToken.None).AsTask());
        Assert.True(e.ConnectionClosed);
    }

    [Fact]
    public async Task SeesInputWaitingAfterAReply()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("220 go ahead\r\n"u8.ToArray());
        var reader = new ReplyReader(pipe.Reader);
        await reader.ReadAsync(CancellationToken.None);
        Assert.False(reader.HasUnreadInput());

        await pipe.Writer.WriteAsync("250 injected\r\n"u8.ToArray());
        Assert.True(reader.HasUnreadInput());
        Assert.Equal("250 injected", (await reader.ReadAsync(CancellationToken.None)).ToString());   // still there
    }
}
