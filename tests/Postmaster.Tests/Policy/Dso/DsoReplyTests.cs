using System.Text;
using Postmaster.Policy;
using Postmaster.Policy.Dso;
using Xunit;

namespace Postmaster.Tests.Policy.Dso;

/// <summary>What a plugin returns, read strictly: good verdicts as they are, anything else the plugin's error.</summary>
public sealed class DsoReplyTests
{
    static DsoAnswer Answer(int verdict, string reply) => Answer(verdict, Encoding.UTF8.GetBytes(reply));

    static DsoAnswer Answer(int verdict, byte[] reply)
    {
        byte[] buffer = new byte[DsoAbi.ReplySize];
        reply.CopyTo(buffer, 0);
        return new DsoAnswer(verdict, buffer);
    }

    // verdict, reply text, expected verdict kind and reply
    public static TheoryData<int, string, string> Good => new()
    {
        { 0, "", "Continue" },
        { 0, "550 5.7.1 ignored for continue", "Continue" },
        { 1, "", "Accept" },
        { 2, "", "Reject 550 5.7.1 Rejected by policy" },
        { 3, "", "Defer 450 4.7.1 Deferred by policy; try again later" },
        { 2, "550 5.7.1 Go away", "Reject 550 5.7.1 Go away" },
        { 2, "554 Go away", "Reject 554 5.7.1 Go away" },
        { 2, "553 5.1.8 Bad sender domain", "Reject 553 5.1.8 Bad sender domain" },
        { 2, "550", "Reject 550 5.7.1 Rejected by policy" },
        { 2, "550 5.7.26", "Reject 550 5.7.26 Rejected by policy" },
        { 3, "451 4.7.1 Try later", "Defer 451 4.7.1 Try later" },
        { 3, "450 4.2.0 Greylisted, café", "Defer 450 4.2.0 Greylisted, café" },
    };

    [Theory, MemberData(nameof(Good))]
    public void ReadsWhatTheHeaderAllows(int verdict, string reply, string expected)
    {
        PolicyVerdict? read = DsoReply.Read(Answer(verdict, reply), out string? problem);

        Assert.Null(problem);
        Assert.NotNull(read);
        Assert.Equal(expected, read.Value.Refuses ? $"{read.Value.Kind} {read.Value.Reply}" : read.Value.Kind.ToString());
    }

    // verdict, reply text, the problem logged
    public static TheoryData<int, string, string> Garbage => new()
    {
        { 42, "", "returned the unknown verdict 42" },
        { -1, "", "returned the unknown verdict -1" },
        { 2, "250 2.0.0 ok", "bad reject reply \"250 2.0.0 ok\"" },
        { 2, "450 4.7.1 wrong class", "bad reject reply \"450 4.7.1 wrong class\"" },
        { 3, "550 5.7.1 wrong class", "bad defer reply \"550 5.7.1 wrong class\"" },
        { 2, "550 4.7.1 status of another class", "bad reject reply \"550 4.7.1 status of another class\"" },
        { 2, "550 5.7 broken status", "bad reject reply \"550 5.7 broken status\"" },
        { 2, "521 5.7.1 closing is ours to decide", "bad reject reply \"521 5.7.1 closing is ours to decide\"" },
        { 3, "421 4.7.1 closing is ours to decide", "bad defer reply \"421 4.7.1 closing is ours to decide\"" },
        { 2, "570 5.7.1 no such code", "bad reject reply \"570 5.7.1 no such code\"" },
        { 2, "Go away", "bad reject reply \"Go away\"" },
        { 2, "55 5.7.1 short", "bad reject reply \"55 5.7.1 short\"" },
        { 2, "5500 long", "bad reject reply \"5500 long\"" },
        { 2, "550 5.7.1 two\r\n250 lines", "bad reject reply \"550 5.7.1 two\\x0d\\x0a250 lines\"" },
        { 2, "550 5.7.1 tab\there", "bad reject reply \"550 5.7.1 tab\\x09here\"" },
    };

    [Theory, MemberData(nameof(Garbage))]
    public void CallsAnythingElseThePluginsError(int verdict, string reply, string expected)
    {
        Assert.Null(DsoReply.Read(Answer(verdict, reply), out string? problem));
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void RefusesTextThatIsNotUtf8()
    {
        Assert.Null(DsoReply.Read(Answer(2, [.. "550 5.7.1 caf"u8, 0xE9]), out string? problem));
        Assert.Equal("reply is not UTF-8: \"550 5.7.1 caf\\xe9\"", problem);
    }

    [Fact]
    public void RefusesAReplyWithoutItsNul()
    {
        byte[] full = new byte[DsoAbi.ReplySize];
        Array.Fill(full, (byte)'x');

        Assert.Null(DsoReply.Read(new DsoAnswer(3, full), out string? problem));
        Assert.Equal("reply is not NUL-terminated within 512 bytes", problem);
    }
}
