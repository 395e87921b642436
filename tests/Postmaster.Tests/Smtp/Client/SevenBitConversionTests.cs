using System.Text;
using MimeKit;
using Postmaster.Delivery;
using Postmaster.Mail;
using Postmaster.Smtp.Client;
using Postmaster.Smtp.Protocol;
using Postmaster.Tests.Smtp.Client.Peers;
using Xunit;
using static Postmaster.Tests.Smtp.Client.ClientHarness;

namespace Postmaster.Tests.Smtp.Client;

/// <summary>8-bit content for a server without 8BITMIME arrives as 7-bit MIME with the same decoded content
/// (RFC 6152 §3), parsed back with MimeKit.</summary>
public sealed class SevenBitConversionTests : IDisposable
{
    const string Mostly = "Caf\u00e9 at noon?\r\nThe m\u00e9nu says cr\u00e8me br\u00fbl\u00e9e.\r\n.a line with a leading dot\r\n";
    const string Greek = "\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1 \u03ba\u03cc\u03c3\u03bc\u03b5, \u03c4\u03b9 \u03ba\u03ac\u03bd\u03b5\u03b9\u03c2;\r\n";
    static readonly byte[] Binaryish = [.. Enumerable.Range(0, 600).Select(i => (byte)(i * 7 % 256 is 0 or 10 or 13 ? 'x' : i * 7 % 256))];

    readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    /// <summary>multipart/mixed: a mostly-ASCII text, an 8-bit "attachment", and a forwarded message with Greek text,
    /// all 8bit; the subject is raw UTF-8.</summary>
    static byte[] Original()
    {
        var bytes = new MemoryStream();
        void Add(string text) => bytes.Write(Encoding.UTF8.GetBytes(text));
        Add("From: alice@example.org\r\nTo: bob@example.net\r\nSubject: R\u00e9union \u00e0 midi\r\nMessage-ID: <m1@example.org>\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n"
            + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + Mostly
            + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        bytes.Write(Binaryish);
        Add("\r\n--b1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "From: carol@example.net\r\nSubject: \u0393\u03b5\u03b9\u03ac\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + Greek
            + "\r\n--b1--\r\n");
        return bytes.ToArray();
    }

    [Theory]
    [InlineData(BodyType.EightBitMime)]
    [InlineData(BodyType.Unspecified)]   // found by scanning
    public async Task ConvertsForASevenBitServer(BodyType declared)
    {
        byte[] original = Original();
        File.WriteAllBytes(_file, original);
        await using var peer = await AiosmtpdPeer.StartAsync("--no-8bitmime", "--size", "10000000");
        await using var client = await ConnectAsync(peer.EndPoint);
        Assert.False(client.Extensions!.Has(ServerCapabilities.EightBitMime));

        await using (FileStream content = File.OpenRead(_file))
        {
            var message = new MessageTransaction(Mailbox.Parse(Sender), [Mailbox.Parse("bob@example.net")], content, original.Length, declared);
            Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await client.SendAsync(message, CancellationToken.None)).Outcome);
            Assert.True(content.CanRead);   // still the caller's
        }

        ReceivedMessage received = Assert.Single(peer.Messages());
        Assert.True(received.Content.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xff) < 0, "8-bit octets arrived");
        Assert.All(Encoding.ASCII.GetString(received.Content).Split("\r\n"), line => Assert.True(line.Length <= 998));
        Assert.Equal([$"SIZE={received.Content.Length}"], received.MailOptions);   // the converted size, no BODY=

        using MimeMessage parsed = MimeMessage.Load(new MemoryStream(received.Content));
        Assert.Equal("R\u00e9union \u00e0 midi", parsed.Subject);
        Assert.Equal("<m1@example.org>", "<" + parsed.MessageId + ">");
        var parts = Assert.IsType<Multipart>(parsed.Body).ToArray();
        var text = (TextPart)parts[0];
        Assert.Equal(ContentEncoding.QuotedPrintable, text.ContentTransferEncoding);
        Assert.Equal(Encoding.UTF8.GetBytes(Mostly[..^2]), Decoded(text));   // the CRLF before a boundary is the boundary's
        var attachment = (MimePart)parts[1];
        Assert.Equal(ContentEncoding.Base64, attachment.ContentTransferEncoding);
        Assert.Equal(Binaryish, Decoded(attachment));
        var forwarded = (MessagePart)parts[2];
        Assert.Equal("7bit", forwarded.Headers[HeaderId.ContentTransferEncoding]);
        Assert.Equal("\u0393\u03b5\u03b9\u03ac", forwarded.Message!.Subject);
        var inner = Assert.IsType<TextPart>(forwarded.Message!.Body);
        Assert.Equal(ContentEncoding.Base64, inner.ContentTransferEncoding);
        Assert.Equal(Encoding.UTF8.GetBytes(Greek), Decoded(inner));
    }

    [Fact]
    public async Task ConvertsAPlainMessageWithoutMimeHeaders()
    {
        byte[] original = Encoding.UTF8.GetBytes("From: alice@example.org\r\nSubject: plain\r\n\r\n" + Mostly);
        File.WriteAllBytes(_file, original);
        await using var peer = await AiosmtpdPeer.StartAsync("--no-8bitmime");
        await using var client = await ConnectAsync(peer.EndPoint);

        await using (FileStream content = File.OpenRead(_file))
        {
            var message = new MessageTransaction(Mailbox.Parse(Sender), [Mailbox.Parse("bob@example.net")], content, original.Length, BodyType.EightBitMime);
            Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await client.SendAsync(message, CancellationToken.None)).Outcome);
        }

        byte[] received = Assert.Single(peer.Messages()).Content;
        Assert.True(received.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xff) < 0);
        using MimeMessage parsed = MimeMessage.Load(new MemoryStream(received));
        Assert.Equal("1.0", parsed.Headers[HeaderId.MimeVersion]);
        var text = Assert.IsType<TextPart>(parsed.Body);
        Assert.Equal(ContentEncoding.QuotedPrintable, text.ContentTransferEncoding);
        Assert.Equal(Encoding.UTF8.GetBytes(Mostly), Decoded(text));
    }

    static byte[] Decoded(MimePart part)
    {
        var bytes = new MemoryStream();
        part.Content!.DecodeTo(bytes);
        return bytes.ToArray();
    }
}
