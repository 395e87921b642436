using System.Buffers;
using System.Text;
using Postmaster.Smtp.Protocol;
using Xunit;

namespace Postmaster.Tests.Smtp.Protocol;

public sealed class ReplyTests
{
    static string Wire(Reply reply)
    {
        var output = new ArrayBufferWriter<byte>();
        reply.WriteTo(output);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    public static TheoryData<Reply, string> Rows => new()
    {
        { Replies.Ok, "250 2.0.0 Ok\r\n" },
        { Replies.Greeting("mx.example.org"), "220 mx.example.org ESMTP Postmaster\r\n" },
        { Replies.StartData, "354 End data with <CR><LF>.<CR><LF>\r\n" },
        { Replies.Queued("0KX7M2C4J1QF"), "250 2.0.0 Ok: queued as 0KX7M2C4J1QF\r\n" },
        { new Reply(250, "2.0.0", "a\nb"), "250-2.0.0 a\r\n250 2.0.0 b\r\n" },
        { new Reply(250, "", ""), "250\r\n" },
        { new Reply(250, "2.0.0", ""), "250 2.0.0\r\n" },
        { new Reply(250, "", "a\r\nb\r\nc"), "250-a\r\n250-b\r\n250 c\r\n" },
        { new Reply(250, "", "\n"), "250-\r\n250\r\n" },
        { new Reply(501, "5.5.2", "bad \r byte \x01 é"), "501 5.5.2 bad ? byte ? ?\r\n" },
        {
            Replies.EhloReply("mx.example.org", "client.test", ["PIPELINING", "SIZE 52428800", "8BITMIME"]),
            "250-mx.example.org Hello client.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250 8BITMIME\r\n"
        },
    };

    [Theory, MemberData(nameof(Rows))]
    public void WritesTheWireForm(Reply reply, string expected) => Assert.Equal(expected, Wire(reply));

    [Fact]
    public void ShowsAsOneLine()
    {
        Assert.Equal("250 2.0.0 Ok", Replies.Ok.ToString());
        Assert.Equal("220 mx.example.org ESMTP Postmaster", Replies.Greeting("mx.example.org").ToString());
        Assert.Equal("250 mx Hello c / PIPELINING", Replies.EhloReply("mx", "c", ["PIPELINING"]).ToString());
    }

    [Theory]
    [InlineData(250, true, false, false)]
    [InlineData(354, true, false, false)]
    [InlineData(421, false, true, false)]
    [InlineData(554, false, false, true)]
    public void ClassifiesByCode(short code, bool positive, bool transient, bool permanent)
    {
        var reply = new Reply(code, "", "x");
        Assert.Equal((positive, transient, permanent), (reply.IsPositive, reply.IsTransient, reply.IsPermanent));
    }

    [Fact]
    public void ChangesOnlyTheAction()
    {
        Reply closing = Replies.LocalError.WithAction(SessionAction.Close);
        Assert.Equal(Replies.LocalError with { Action = SessionAction.Close }, closing);
        Assert.Equal(SessionAction.Close, closing.Action);
    }

    // The catalogue: code, enhanced status and action of every fixed reply, as the design lists them.
    public static TheoryData<Reply, string> Catalogue => new()
    {
        { Replies.Bye, "221 2.0.0 Close" },
        { Replies.SenderOk, "250 2.1.0 None" },
        { Replies.RecipientOk, "250 2.1.5 None" },
        { Replies.StartData, "354  ReadBody" },
        { Replies.ReadyForTls, "220 2.0.0 StartTls" },
        { Replies.CannotVrfy, "252 2.5.2 None" },
        { Replies.NotImplemented, "502 5.5.1 None" },
        { Replies.UnknownCommand, "500 5.5.2 None" },
        { Replies.LineTooLong, "500 5.5.2 None" },
        { Replies.TextLineTooLong, "500 5.5.2 None" },
        { Replies.BadSequence, "503 5.5.1 None" },
        { Replies.NeedHelo, "503 5.5.1 None" },
        { Replies.NestedMail, "503 5.5.1 None" },
        { Replies.NeedMail, "503 5.5.1 None" },
        { Replies.NeedRcpt, "503 5.5.1 None" },
        { Replies.BadHelo, "501 5.5.4 None" },
        { Replies.SyntaxError("x"), "501 5.5.2 None" },
        { Replies.BadSenderSyntax, "501 5.1.7 None" },
        { Replies.BadRecipientSyntax, "501 5.1.3 None" },
        { Replies.UnknownParameter("X"), "555 5.5.4 None" },
        { Replies.BadParameter("x"), "501 5.5.4 None" },
        { Replies.NeedsSmtpUtf8, "553 5.6.7 None" },
        { Replies.SizeExceeded, "552 5.3.4 None" },
        { Replies.TooManyRecipients, "452 4.5.3 None" },
        { Replies.NoSuchUser, "550 5.1.1 None" },
        { Replies.RelayDenied, "554 5.7.1 None" },
        { Replies.RoutingLoop, "550 5.4.6 None" },
        { Replies.TooManyHops, "554 5.4.6 None" },
        { Replies.BareLineEnding, "521 5.5.2 Close" },
        { Replies.TooManyErrors, "421 4.7.0 Close" },
        { Replies.Timeout, "421 4.4.2 Close" },
        { Replies.ShuttingDown, "421 4.3.2 Close" },
        { Replies.TooManyConnections, "421 4.7.0 Close" },
        { Replies.TooManyConnectionsFromYou, "421 4.7.0 Close" },
        { Replies.LocalError, "451 4.3.0 None" },
        { Replies.InsufficientStorage, "452 4.3.1 None" },
        { Replies.TlsNotAvailable, "454 4.7.0 None" },
        { Replies.AlreadyTls, "503 5.5.1 None" },
        { Replies.PipelinedAfterStartTls, "554 5.5.1 Close" },
    };

    [Theory, MemberData(nameof(Catalogue))]
    public void CataloguesEachReply(Reply reply, string expected) =>
        Assert.Equal(expected, $"{reply.Code} {reply.Status} {reply.Action}");
}
