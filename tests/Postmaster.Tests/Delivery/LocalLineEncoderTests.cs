using System.Text;
using Postmaster.Delivery;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class LocalLineEncoderTests
{
    // Input as queued → what a mailbox or command gets. "|" in the table would be a line end in a real file.
    public static TheoryData<string, string> LineEnds => new()
    {
        { "", "" },
        { "a\r\nb\r\n", "a\nb\n" },
        { "a\nb\n", "a\nb\n" },                 // already LF (deliver used by hand): unchanged
        { "a\rb\r\n", "a\rb\n" },               // a bare CR stays
        { "a\r", "a\r" },                       // a CR at the very end stays
        { "a\r\r\n", "a\r\n" },
        { "no line end", "no line end" },
        { "From x\r\n", "From x\n" },           // no quoting for Maildir and pipes
    };

    [Theory]
    [MemberData(nameof(LineEnds))]
    public void TurnsCrlfIntoLf(string input, string expected)
    {
        Assert.Equal(expected, EncodeWhole(input, quote: false));
        Assert.Equal(expected, EncodeSplitEverywhere(input, quote: false));
    }

    // The mboxrd rule: a line matching ^>*From  gets one more '>'; nothing else changes.
    public static TheoryData<string, string> MboxrdQuoting => new()
    {
        { "From here\r\n", ">From here\n" },
        { ">From here\r\n", ">>From here\n" },
        { ">>>From here\r\n", ">>>>From here\n" },
        { "From\r\n", "From\n" },                       // needs the space
        { "From:x\r\n", "From:x\n" },                   // a header, not a From line
        { "from here\r\n", "from here\n" },             // case matters
        { " From here\r\n", " From here\n" },           // only at the start of a line
        { "a From here\r\n", "a From here\n" },
        { ">\r\n", ">\n" },
        { ">>\r\n>>F\r\n", ">>\n>>F\n" },
        { ">Fro", ">Fro" },                             // a prefix left at the end is written as it is
        { "x\r\nFrom y\r\n\r\nFrom z", "x\n>From y\n\n>From z" },
        { "Subject: a\r\n\r\nFrom the start\r\n>From quoted\r\n", "Subject: a\n\n>From the start\n>>From quoted\n" },
        { "\rFrom x\r\n", "\rFrom x\n" },               // a bare CR is not a line end
    };

    [Theory]
    [MemberData(nameof(MboxrdQuoting))]
    public void QuotesFromLinesTheMboxrdWay(string input, string expected)
    {
        Assert.Equal(expected, EncodeWhole(input, quote: true));
        Assert.Equal(expected, EncodeSplitEverywhere(input, quote: true));
        Assert.Equal(expected, EncodeByteByByte(input, quote: true));
    }

    [Fact]
    public void KeepsAVeryLongRunOfGreaterThanSigns()
    {
        string signs = new('>', 100_000);
        Assert.Equal(">" + signs + "From x\n", EncodeByteByByte(signs + "From x\r\n", quote: true));
        Assert.Equal(signs + "x\n", EncodeWhole(signs + "x\r\n", quote: true));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("a\r\n", true)]
    [InlineData("a", false)]
    [InlineData("a\r", false)]
    public void TellsWhetherTheOutputEndsWithALineEnd(string input, bool expected)
    {
        var encoder = new LocalLineEncoder(quoteFromLines: true);
        encoder.Encode(Encoding.UTF8.GetBytes(input));
        encoder.Finish();
        Assert.Equal(expected, encoder.EndsWithLineEnd);
    }

    static string EncodeWhole(string input, bool quote)
    {
        var encoder = new LocalLineEncoder(quote);
        var output = new List<byte>();
        output.AddRange(encoder.Encode(Encoding.UTF8.GetBytes(input)).ToArray());
        output.AddRange(encoder.Finish().ToArray());
        Assert.Equal(output.Count, encoder.BytesWritten);
        return Encoding.UTF8.GetString([.. output]);
    }

    // Kestrel's "every split point": the result must not depend on where the reads happened to end.
    static string EncodeSplitEverywhere(string input, bool quote)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(input);
        string? first = null;
        for (int split = 0; split <= bytes.Length; split++)
        {
            var encoder = new LocalLineEncoder(quote);
            var output = new List<byte>();
            output.AddRange(encoder.Encode(bytes.AsSpan(0, split)).ToArray());
            output.AddRange(encoder.Encode(bytes.AsSpan(split)).ToArray());
            output.AddRange(encoder.Finish().ToArray());
            string text = Encoding.UTF8.GetString([.. output]);
            first ??= text;
            Assert.Equal(first, text);
        }
        return first ?? "";
    }

    static string EncodeByteByByte(string input, bool quote)
    {
        var encoder = new LocalLineEncoder(quote);
        var output = new List<byte>();
        foreach (byte b in Encoding.UTF8.GetBytes(input))
            output.AddRange(encoder.Encode([b]).ToArray());
        output.AddRange(encoder.Finish().ToArray());
        return Encoding.UTF8.GetString([.. output]);
    }
}
