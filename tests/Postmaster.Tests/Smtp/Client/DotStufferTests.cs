using System.Buffers;
using System.Text;
using Postmaster.Smtp.Client;
using Xunit;

namespace Postmaster.Tests.Smtp.Client;

public sealed class DotStufferTests
{
    /// <summary>Content as queued and what goes on the wire, end-of-data marker included (RFC 5321 §4.5.2).</summary>
    public static TheoryData<string, string> Rows => new()
    {
        { "", ".\r\n" },
        { "a\r\n", "a\r\n.\r\n" },
        { "a", "a\r\n.\r\n" },
        { ".\r\n", "..\r\n.\r\n" },
        { ".", "..\r\n.\r\n" },
        { "..x\r\n", "...x\r\n.\r\n" },
        { "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n" },
        { "a.b\r\n.c.\r\n", "a.b\r\n..c.\r\n.\r\n" },
        { "\r\n.\r\n", "\r\n..\r\n.\r\n" },
        { "a\nb\n", "a\r\nb\r\n.\r\n" },                  // bare LF becomes CRLF
        { "a\rb\r", "a\r\nb\r\n.\r\n" },                  // so does bare CR
        { "a\r\r\nb", "a\r\n\r\nb\r\n.\r\n" },
        { "a\n.\n", "a\r\n..\r\n.\r\n" },
        { "x\r\n\r\n", "x\r\n\r\n.\r\n" },
        { "caf\u00e9\r\n.\u00e9\r\n", "caf\u00e9\r\n..\u00e9\r\n.\r\n" },
    };

    static string Encode(params byte[][] chunks)
    {
        var stuffer = new DotStuffer();
        var output = new ArrayBufferWriter<byte>();
        foreach (byte[] chunk in chunks)
            stuffer.Encode(chunk, output);
        stuffer.Finish(output);
        Assert.Equal(output.WrittenCount, stuffer.Written);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Theory, MemberData(nameof(Rows))]
    public void StuffsInOneGo(string content, string wire) => Assert.Equal(wire, Encode(Encoding.UTF8.GetBytes(content)));

    [Theory, MemberData(nameof(Rows))]
    public void StuffsTheSameWhateverTheSplit(string content, string wire)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        for (int cut = 0; cut <= bytes.Length; cut++)
            Assert.Equal(wire, Encode(bytes[..cut], bytes[cut..]));
        Assert.Equal(wire, Encode([.. bytes.Select(b => new[] { b })]));
    }
}
