using System.Text;
using Postmaster.Config;
using Xunit;
using static Postmaster.Tests.Config.ConfigFixtures;

namespace Postmaster.Tests.Config;

/// <summary>Physical and logical lines: comments, continuations, line ends, encodings; each row is a whole file.</summary>
public sealed class LogicalLineTests
{
    // file text, the routes it gives (canonical text, joined with " | ")
    public static TheoryData<string, string> Valid => new()
    {
        { "a@x.example joe", "a@x.example -> joe" },
        { "a@x.example\tjoe\n", "a@x.example -> joe" },
        { "a@x.example joe // a comment", "a@x.example -> joe" },
        { "a@x.example joe\t// after a tab", "a@x.example -> joe" },
        { "// first\na@x.example joe\n// last", "a@x.example -> joe" },
        { "# a comment\n   # an indented one\n#a@x.example bob\na@x.example joe", "a@x.example -> joe" },
        { "a@x.example pipe(cat //x)", "a@x.example -> pipe(cat //x)" },
        { "a@x.example pipe(cat) // x", "a@x.example -> pipe(cat)" },
        { "a@x.example pipe(a (b) //c)", "a@x.example -> pipe(a (b) //c)" },
        { "a@x.example pipe(http://x)", "a@x.example -> pipe(http://x)" },
        { "a@x.example joe,\n  bob", "a@x.example -> joe, bob" },
        { "a@x.example joe,\n\tbob,\n \t jane@y.example", "a@x.example -> joe, bob, jane@y.example" },
        { "a@x.example joe,\n\n# comment\n  bob", "a@x.example -> joe, bob" },
        { "a@x.example joe,\n// comment\n  bob // trailing", "a@x.example -> joe, bob" },
        { "a@x.example pipe(cat\n  //x)", "a@x.example -> pipe(cat //x)" },
        { "a@x.example\n  joe", "a@x.example -> joe" },
        { "  // an indented comment first\na@x.example joe", "a@x.example -> joe" },
        { "a@x.example joe\r\nb@x.example bob\r\n", "a@x.example -> joe | b@x.example -> bob" },
        { "\uFEFFa@x.example joe", "a@x.example -> joe" },
        { "a@x.example joe\n\n\n", "a@x.example -> joe" },
        { "", "" },
        { "\n \t\n", "" },
        { "Jösé@x.example joe", "jösé@x.example -> joe" },
        { "a@Bücher.example joe", "a@xn--bcher-kva.example -> joe" },
    };

    [Theory, MemberData(nameof(Valid))]
    public void ReadsEntries(string text, string expected)
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(text, errors);

        Assert.Empty(errors);
        Assert.Equal(expected, string.Join(" | ", Routes(config)));
    }

    // file bytes (written as a string of Latin-1 code points, so "\xff" is the byte 0xFF), the errors
    public static TheoryData<string, string[]> Invalid => new()
    {
        { "a@x.example jo\u00ffe", ["test.cf:1:15: invalid UTF-8"] },
        { "\xc3\xa9@x.example \xc3", ["test.cf:1:13: invalid UTF-8"] },
        { "a@x.example \xc0\xaf", ["test.cf:1:13: invalid UTF-8"] },                  // overlong "/"
        { "a@x.example \xed\xa0\x80", ["test.cf:1:13: invalid UTF-8"] },              // a surrogate
        { "# comment \xff\na@x.example joe", ["test.cf:1:11: invalid UTF-8"] },
        { "a@x.example jo\u0001e", ["test.cf:1:15: control character \\x01 not allowed"] },
        { "a@x.example joe\x7f", ["test.cf:1:16: control character \\x7f not allowed"] },
        { "a@x.example\x00 joe", ["test.cf:1:12: control character \\x00 not allowed"] },
        { "a@x.example joe\r", ["test.cf:1:16: control character \\x0d not allowed"] },
        { "a@x.example joe\r\r\n", ["test.cf:1:16: control character \\x0d not allowed"] },
        { "a@x\r.example joe\n", ["test.cf:1:4: control character \\x0d not allowed"] },
        { "  joe", ["test.cf:1:3: continuation line without an entry"] },
        { "# comment\n\tjoe\na@x.example bob", ["test.cf:2:2: continuation line without an entry"] },
        { "a@x.example joe//x", ["test.cf:1:13: bad target \"joe//x\""] },
        { "a@x.example joe,\n    rely(x)", ["test.cf:2:5: unknown mailer \"rely\"; did you mean \"relay\"?"] },
        { "a@x.example joe,\n\tbob, relay(mx.example,\n\t\tmx..example)",
            ["test.cf:3:3: relay: empty label in domain \"mx..example\""] },
        { "a@x.example pipe(cat\n  x", ["test.cf:1:17: missing \")\""] },
        { "a@x.example joe,\n", ["test.cf:1:16: empty target"] },
        { "a@x.example joe,\n  // only a comment", ["test.cf:1:16: empty target"] },
    };

    [Theory, MemberData(nameof(Invalid))]
    public void ReportsProblemsWhereTheyAre(string latin1, string[] expected)
    {
        var errors = new List<ConfigError>();
        Parse(Encoding.Latin1.GetBytes(latin1), errors);

        Assert.Equal(expected, errors.Select(e => e.ToString()));
    }

    [Fact]
    public void DropsTheWholeEntryWhenOneOfItsLinesCannotBeDecoded()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(Encoding.Latin1.GetBytes("a@x.example joe,\n  b\xffob\n  jane\nb@x.example bob\n"), errors);

        Assert.Equal(["test.cf:2:4: invalid UTF-8"], errors.Select(e => e.ToString()));
        Assert.Equal(["b@x.example -> bob"], Routes(config));
    }

    [Fact]
    public void DoesNotTurnTheContinuationsOfAnUndecodableLineIntoErrors()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse(Encoding.Latin1.GetBytes("a@x.example j\x02oe,\n  bob\nb@x.example bob\n"), errors);

        Assert.Equal(["test.cf:1:14: control character \\x02 not allowed"], errors.Select(e => e.ToString()));
        Assert.Equal(["b@x.example -> bob"], Routes(config));
    }

    [Fact]
    public void CountsColumnsInCharactersNotBytes()
    {
        // "ü" is two bytes, "𝔘" four (a surrogate pair in .NET): each is one column.
        string[] problems = Problems("a@x.example joe,\n  ü, 𝔘𝔘, rely(x)");

        Assert.Equal(["test.cf:2:3: bad target \"ü\"", "test.cf:2:6: bad target \"𝔘𝔘\"",
            "test.cf:2:10: unknown mailer \"rely\"; did you mean \"relay\"?"], problems);
    }

    [Fact]
    public void GivesEveryRouteTheLocationOfItsKey()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse("// routes\n\n  \na@x.example joe,\n  bob\n\n@y.example   relay", errors);

        Assert.Equal(["test.cf:4:1", "test.cf:7:1"], config.Routes.Routes.Select(r => r.Where.ToString()));
        Assert.Equal(["test.cf:4:13", "test.cf:5:3"], config.Routes.Routes[0].Targets.Select(t => t.Where.ToString()));
        Assert.Equal("test.cf:7:14", config.Routes.Routes[1].Targets[0].Where.ToString());
    }
}
