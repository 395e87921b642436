using Postmaster.Mail;
using Postmaster.Smtp.Protocol;
using Xunit;

namespace Postmaster.Tests.Smtp.Protocol;

/// <summary>MAIL, RCPT and VRFY arguments (the text after the verb and its space), one row per behaviour.</summary>
public sealed class CommandParserTests
{
    const string Hostname = "mx.example.org";
    static readonly string LongLocal = new('a', 65);
    static readonly string LongPath = "<@" + string.Join(",@", Enumerable.Repeat("relay.example", 20)) + ":a@example.org>";

    // arguments, the command's canonical form
    public static TheoryData<string, string> ValidMail => new()
    {
        { "FROM:<a@example.org>", "FROM:<a@example.org>" },
        { "from:<a@Example.ORG>", "FROM:<a@example.org>" },
        { "From: <A@example.org>", "FROM:<A@example.org>" },
        { "FROM:<>", "FROM:<>" },
        { "FROM:<> BODY=8BITMIME", "FROM:<> BODY=8BITMIME" },
        { "FROM:<a@example.org> SIZE=12345", "FROM:<a@example.org> SIZE=12345" },
        { "FROM:<a@example.org> SIZE=0", "FROM:<a@example.org> SIZE=0" },
        { "FROM:<a@example.org> size=1 body=8bitmime", "FROM:<a@example.org> SIZE=1 BODY=8BITMIME" },
        { "FROM:<a@example.org> BODY=7Bit", "FROM:<a@example.org> BODY=7BIT" },
        { "FROM:<a@example.org>  SIZE=5 ", "FROM:<a@example.org> SIZE=5" },
        { "FROM:<a@example.org> SIZE=99999999999999999999", "FROM:<a@example.org> SIZE=9223372036854775807" },
        { "FROM:<@relay.example,@b.example:a@example.org>", "FROM:<a@example.org>" },
        { "FROM:<@[192.0.2.1]:a@example.org>", "FROM:<a@example.org>" },
        { "FROM:<@[IPv6:2001:db8::1],@x.example:a@example.org>", "FROM:<a@example.org>" },
        { "FROM:<\"john smith\"@example.org>", "FROM:<\"john smith\"@example.org>" },
        { "FROM:<\"a>b\"@example.org> SIZE=1", "FROM:<\"a>b\"@example.org> SIZE=1" },
        { "FROM:<\"a\\\"> x\"@example.org>", "FROM:<\"a\\\"> x\"@example.org>" },
        { "FROM:<a+tag@[192.0.2.1]>", "FROM:<a+tag@[192.0.2.1]>" },
        { "FROM:<postmaster@example.org>", "FROM:<postmaster@example.org>" },
    };

    // arguments, the reply's code and status
    public static TheoryData<string, string> InvalidMail => new()
    {
        { "", "501 5.5.2" },
        { "FROM", "501 5.5.2" },
        { "TO:<a@example.org>", "501 5.5.2" },
        { "FROM <a@example.org>", "501 5.5.2" },
        { "FROM:", "501 5.1.7" },
        { "FROM:a@example.org", "501 5.1.7" },
        { "FROM:<a@example.org", "501 5.1.7" },
        { "FROM:  <a@example.org>", "501 5.1.7" },
        { "FROM:<a@example.org>SIZE=1", "501 5.1.7" },
        { "FROM:<a>", "501 5.1.7" },
        { "FROM:<postmaster>", "501 5.1.7" },
        { "FROM:<a@>", "501 5.1.7" },
        { "FROM:<@example.org>", "501 5.1.7" },
        { "FROM:<@a.example:>", "501 5.1.7" },
        { "FROM:<@a.example,b.example:u@example.org>", "501 5.1.7" },
        { "FROM:<@a..example:u@example.org>", "501 5.1.7" },
        { "FROM:<a b@example.org>", "501 5.1.7" },
        { "FROM:<a@exa mple.org>", "501 5.1.7" },
        { "FROM:<a..b@example.org>", "501 5.1.7" },
        { "FROM:<\"unterminated@example.org>", "501 5.1.7" },
        { $"FROM:<{LongLocal}@example.org>", "501 5.1.7" },
        { $"FROM:{LongPath}", "501 5.1.7" },
        { "FROM:<jösé@example.org>", "553 5.6.7" },
        { "FROM:<a@bücher.example>", "553 5.6.7" },
        { "FROM:<a@example.org> SIZE=1 SIZE=2", "501 5.5.4" },
        { "FROM:<a@example.org> SIZE=abc", "501 5.5.4" },
        { "FROM:<a@example.org> SIZE", "501 5.5.4" },
        { "FROM:<a@example.org> SIZE=", "501 5.5.4" },
        { "FROM:<a@example.org> SIZE=-1", "501 5.5.4" },
        { "FROM:<a@example.org> SIZE=123456789012345678901", "501 5.5.4" },
        { "FROM:<a@example.org> BODY=BINARYMIME", "501 5.5.4" },
        { "FROM:<a@example.org> BODY", "501 5.5.4" },
        { "FROM:<a@example.org> BODY=8BITMIME BODY=7BIT", "501 5.5.4" },
        { "FROM:<a@example.org> =x", "501 5.5.4" },
        { "FROM:<a@example.org> SI_ZE=1", "501 5.5.4" },
        { "FROM:<a@example.org> SIZE=1=2", "501 5.5.4" },
        { "FROM:<a@example.org> SMTPUTF8", "555 5.5.4" },
        { "FROM:<a@example.org> RET=HDRS", "555 5.5.4" },
        { "FROM:<> AUTH=<>", "555 5.5.4" },
    };

    public static TheoryData<string, string> ValidRcpt => new()
    {
        { "TO:<bob@example.org>", "TO:<bob@example.org>" },
        { "to: <bob@EXAMPLE.org>", "TO:<bob@example.org>" },
        { "TO:<postmaster>", "TO:<postmaster>" },
        { "TO:<PostMaster>", "TO:<postmaster>" },
        { "TO:<Postmaster@example.org>", "TO:<Postmaster@example.org>" },
        { "TO:<@a.example:bob@example.org>", "TO:<bob@example.org>" },
        { "TO:<\"odd name\"@example.org>", "TO:<\"odd name\"@example.org>" },
        { "TO:<bob@example.org> ", "TO:<bob@example.org>" },
    };

    public static TheoryData<string, string> InvalidRcpt => new()
    {
        { "", "501 5.5.2" },
        { "FROM:<bob@example.org>", "501 5.5.2" },
        { "TO:<>", "501 5.1.3" },
        { "TO:bob@example.org", "501 5.1.3" },
        { "TO:<bob>", "501 5.1.3" },
        { "TO:<bob@example.org", "501 5.1.3" },
        { "TO:<bob@@example.org>", "501 5.1.3" },
        { "TO:<@:bob@example.org>", "501 5.1.3" },
        { "TO:<bób@example.org>", "553 5.6.7" },
        { "TO:<bob@example.org> NOTIFY=NEVER", "555 5.5.4" },
        { "TO:<bob@example.org> SIZE=1", "555 5.5.4" },
        { "TO:<postmaster> X", "555 5.5.4" },
    };

    // arguments, the address (qualified with mx.example.org)
    public static TheoryData<string, string> ValidVrfy => new()
    {
        { "bob", "bob@mx.example.org" },
        { " bob ", "bob@mx.example.org" },
        { "<bob>", "bob@mx.example.org" },
        { "bob@Example.org", "bob@example.org" },
        { "<bob@example.org>", "bob@example.org" },
        { "\"a@b\"", "\"a@b\"@mx.example.org" },
        { "Postmaster", "Postmaster@mx.example.org" },
    };

    public static TheoryData<string, string> InvalidVrfy => new()
    {
        { "", "501 5.5.2" },
        { "   ", "501 5.5.2" },
        { "<>", "501 5.1.3" },
        { "<", "501 5.1.3" },
        { "<bob@example.org", "501 5.1.3" },
        { "bob smith", "501 5.1.3" },
        { "bob@", "501 5.1.3" },
        { "a..b", "501 5.1.3" },
        { "bób", "553 5.6.7" },
        { "<bob@exämple.org>", "553 5.6.7" },
    };

    [Theory, MemberData(nameof(ValidMail))]
    public void ParsesMail(string arguments, string expected)
    {
        Assert.True(CommandParser.TryParseMail(arguments, out MailCommand? command, out Reply error), error.ToString());
        Assert.Equal(expected, command.ToString());
    }

    [Theory, MemberData(nameof(InvalidMail))]
    public void RefusesMail(string arguments, string expected)
    {
        Assert.False(CommandParser.TryParseMail(arguments, out MailCommand? command, out Reply error));
        Assert.Null(command);
        Assert.Equal(expected, $"{error.Code} {error.Status}");
    }

    [Theory, MemberData(nameof(ValidRcpt))]
    public void ParsesRcpt(string arguments, string expected)
    {
        Assert.True(CommandParser.TryParseRcpt(arguments, out RcptCommand? command, out Reply error), error.ToString());
        Assert.Equal(expected, command.ToString());
        Assert.Equal(command.IsBarePostmaster, command.Recipient is null);
    }

    [Theory, MemberData(nameof(InvalidRcpt))]
    public void RefusesRcpt(string arguments, string expected)
    {
        Assert.False(CommandParser.TryParseRcpt(arguments, out RcptCommand? command, out Reply error));
        Assert.Null(command);
        Assert.Equal(expected, $"{error.Code} {error.Status}");
    }

    [Theory, MemberData(nameof(ValidVrfy))]
    public void ParsesVrfy(string arguments, string expected)
    {
        Assert.True(CommandParser.TryParseVrfy(arguments, Hostname, out Mailbox? address, out Reply error), error.ToString());
        Assert.Equal(expected, address.ToString());
    }

    [Theory, MemberData(nameof(InvalidVrfy))]
    public void RefusesVrfy(string arguments, string expected)
    {
        Assert.False(CommandParser.TryParseVrfy(arguments, Hostname, out Mailbox? address, out Reply error));
        Assert.Null(address);
        Assert.Equal(expected, $"{error.Code} {error.Status}");
    }

    [Fact]
    public void NamesTheUnknownParameter()
    {
        CommandParser.TryParseMail("FROM:<a@example.org> RET=HDRS", out _, out Reply mail);
        CommandParser.TryParseRcpt("TO:<b@example.org> NOTIFY=NEVER", out _, out Reply rcpt);

        Assert.Equal("555 5.5.4 Parameter RET not supported", mail.ToString());
        Assert.Equal("555 5.5.4 Parameter NOTIFY not supported", rcpt.ToString());
    }

    [Fact]
    public void KeepsTheNullSenderApartFromAnAddress()
    {
        Assert.True(CommandParser.TryParseMail("FROM:<> SIZE=10", out MailCommand? command, out _));

        Assert.Null(command.Sender);
        Assert.Equal(10, command.Size);
        Assert.Equal(BodyType.Unspecified, command.Body);
    }
}
