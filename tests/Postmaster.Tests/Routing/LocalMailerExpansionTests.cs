using Postmaster.Routing;
using Xunit;
using static Postmaster.Tests.Routing.RoutingFixtures;

namespace Postmaster.Tests.Routing;

/// <summary>The <c>local-mailer</c> for one user: <c>~</c> → home, <c>$USER</c> → user name; the user
/// must be in passwd only when the mailer names <c>~</c>.</summary>
public sealed class LocalMailerExpansionTests
{
    public static TheoryData<string, string, string> TextRows => new()
    {
        // text, home, expanded (user "joe")
        { "~/Maildir/", "/home/joe", "/home/joe/Maildir/" },
        { "~/Maildir/", "/home/joe/", "/home/joe/Maildir/" },
        { "~", "/home/joe", "/home/joe" },
        { "~/x", "/", "/x" },
        { "~", "/", "/" },
        { "/var/mail/$USER", "/home/joe", "/var/mail/joe" },
        { "~/mail/$USER.mbox", "/home/joe", "/home/joe/mail/joe.mbox" },
        { "/usr/bin/procmail -m ~ -d $USER", "/home/joe", "/usr/bin/procmail -m /home/joe -d joe" },
        { "/usr/bin/deliver ~/in\t~/out", "/home/joe", "/usr/bin/deliver /home/joe/in\t/home/joe/out" },
        // not at the start of a word, or ~user: left to the command
        { "sed s/~/-/", "/home/joe", "sed s/~/-/" },
        { "/srv/a~b", "/home/joe", "/srv/a~b" },
        { "cat ~alice/x", "/home/joe", "cat ~alice/x" },
        // $USERNAME is another variable
        { "echo $USERNAME $USER_ID $USER", "/home/joe", "echo $USERNAME $USER_ID joe" },
        { "/var/mail/$user", "/home/joe", "/var/mail/$user" },
        { "/bin/true", "/home/joe", "/bin/true" },
    };

    [Theory, MemberData(nameof(TextRows))]
    public void ExpandsHomeAndUser(string text, string home, string expected) =>
        Assert.Equal(expected, LocalMailerExpansion.ExpandText(text, "joe", home));

    public static TheoryData<string, string, string> MailerRows => new()
    {
        // local-mailer, address, resolution; joe exists, ghost does not
        { "maildir(~/Maildir/)", "joe@example.org", "joe@example.org maildir(/home/joe/Maildir/)" },
        { "maildir(~/Maildir/)", "ghost@example.org", "NoSuchUser" },
        { "mbox(~)", "ghost@example.org", "NoSuchUser" },
        { "mbox(/var/mail/$USER)", "joe@example.org", "joe@example.org mbox(/var/mail/joe)" },
        { "mbox(/var/mail/$USER)", "ghost@example.org", "ghost@example.org mbox(/var/mail/ghost)" },
        // a pipe command is never rewritten: the shell finds USER and HOME in its environment
        { "pipe(/usr/bin/procmail -d $USER)", "ghost@example.org", "ghost@example.org pipe(/usr/bin/procmail -d $USER)" },
        { "pipe(/usr/bin/procmail -m ~/.procmailrc)", "joe@example.org", "joe@example.org pipe(/usr/bin/procmail -m ~/.procmailrc)" },
        { "pipe(/usr/bin/procmail -m ~/.procmailrc)", "ghost@example.org", "NoSuchUser" },
        { "relay(mailhub.example.net)", "ghost@example.org", "ghost@example.org relay(mailhub.example.net:25)" },
        // passwd users at the hostname exist by definition
        { "maildir(~/Maildir/)", "alice@mx.example.net", "alice@mx.example.net maildir(/home/alice/Maildir/)" },
    };

    [Theory, MemberData(nameof(MailerRows))]
    public void DeliversLocalUsersThroughTheLocalMailer(string localMailer, string address, string expected)
    {
        RouteTable table = Table(R(1, "joe@example.org", User("joe")), R(2, "ghost@example.org", User("ghost")));
        Assert.Equal(expected, Resolve(Resolver(table, ParseMailer(localMailer)), address));
    }

    [Fact]
    public void KeepsTheUserNameWhenTheUserIsNotInPasswd()
    {
        RouteResolver resolver = Resolver(Table(R(1, "ghost@example.org", User("ghost"))), Pipe("/usr/bin/deliver $USER"));
        FinalTarget target = Assert.Single(resolver.Resolve(Mail.Mailbox.Parse("ghost@example.org")).Targets);
        Assert.Null(target.User);
        Assert.Equal("ghost", target.LocalUser);
    }

    [Fact]
    public void RefusesALocalMailerThatIsNotAMailer() =>
        Assert.Throws<ArgumentException>(() => Resolver(Table(), User("joe")));

    static readonly RouteResolver Virtual = Resolver(Table(
        R(1, "@example.org", Maildir("/var/vmail/example.org/$USER/")),
        R(2, "@example.com", Mbox("/var/mail/example.com/$USER")),
        R(3, "@example.net", Pipe("/usr/bin/deliver $USER"))));

    public static TheoryData<string, string> VirtualRows => new()
    {
        // $USER in a route's own maildir/mbox path is the recipient's local part, lower-cased
        { "Sales@example.org", "Sales@example.org maildir(/var/vmail/example.org/sales/)" },
        { "a.b@example.com", "a.b@example.com mbox(/var/mail/example.com/a.b)" },
        // ...without the extension (the extension stays for the EXTENSION variable)
        { "sales+news@example.org", "sales+news@example.org maildir(/var/vmail/example.org/sales/) +news" },
        // ...and never a path that leaves the folder or names a Maildir's own folders
        { "a/b@example.org", "NoSuchUser" },
        { "\".hidden\"@example.com", "NoSuchUser" },
        // a pipe command is never rewritten with text from the address
        { "x@example.net", "x@example.net pipe(/usr/bin/deliver $USER)" },
    };

    [Theory, MemberData(nameof(VirtualRows))]
    public void ExpandsTheLocalPartInARoutesOwnPath(string address, string expected) =>
        Assert.Equal(expected, Resolve(Virtual, address));

    static Target ParseMailer(string text)
    {
        int open = text.IndexOf('(');
        string name = text[..open], argument = text[(open + 1)..^1];
        return name switch
        {
            "maildir" => Maildir(argument),
            "mbox" => Mbox(argument),
            "pipe" => Pipe(argument),
            _ => Relay(argument),
        };
    }
}
