using System.Text;
using MimeKit;

namespace Postmaster.Smtp.Client;

/// <summary>Turns 8-bit content into 7-bit MIME for a server without 8BITMIME (RFC 6152 §3, DESIGN.md §4): text
/// parts that are mostly ASCII become quoted-printable, the rest base64 (MimeKit's best-encoding choice), nested
/// message/rfc822 parts included; 8-bit header text becomes RFC 2047 encoded words. The decoded content does not
/// change.</summary>
/// <remarks>The message is parsed with <c>persistent: true</c> when the stream can seek (the spool's file), so the
/// part contents stay in the file and are re-encoded while being written: the message is never in memory.</remarks>
internal static class SevenBitConverter
{
    /// <summary>MimeKit writes LF line ends by default on Linux; SMTP needs CRLF (TOOLCHAIN.md gotcha 4).</summary>
    static readonly FormatOptions Wire = CreateWireFormat();

    public static async Task<MimeMessage> LoadAsync(Stream content, CancellationToken cancellationToken)
    {
        MimeMessage message = await MimeMessage.LoadAsync(ParserOptions.Default, content, persistent: content.CanSeek, cancellationToken);
        message.Prepare(EncodingConstraint.SevenBit, maxLineLength: 998);
        if (!message.Headers.Contains(HeaderId.MimeVersion))
            message.Headers.Add(HeaderId.MimeVersion, "1.0");   // the new Content-Transfer-Encoding needs it (RFC 2045 §4)
        Fix(message);
        return message;
    }

    /// <summary>The size of the converted message, for MAIL FROM's SIZE= and the server's limit.</summary>
    public static async Task<long> MeasureAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await using var counter = new CountingStream();
        await message.WriteToAsync(Wire, counter, cancellationToken);
        return counter.Length;
    }

    public static Task WriteAsync(MimeMessage message, Stream output, CancellationToken cancellationToken) =>
        message.WriteToAsync(Wire, output, cancellationToken);

    /// <summary>Whether the content has an octet above 127; reads the stream to the end and puts it back.</summary>
    public static async Task<bool> HasEightBitAsync(Stream content, CancellationToken cancellationToken)
    {
        long start = content.Position;
        byte[] buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (buffer.AsSpan(0, read).IndexOfAnyInRange((byte)0x80, (byte)0xff) >= 0)
                    return true;
            }
            return false;
        }
        finally
        {
            content.Position = start;
        }
    }

    /// <summary>What <see cref="MimeMessage.Prepare"/> leaves alone: the headers, and the Content-Transfer-Encoding
    /// of multiparts and message/rfc822 parts, which must say 7bit once everything inside is 7-bit (RFC 2045 §6.4).</summary>
    static void Fix(MimeMessage message)
    {
        EncodeHeaders(message.Headers);
        if (message.Body is { } body)
            Fix(body);
    }

    static void Fix(MimeEntity entity)
    {
        EncodeHeaders(entity.Headers);
        switch (entity)
        {
            case Multipart multipart:
                SevenBitComposite(entity);
                foreach (MimeEntity child in multipart)
                    Fix(child);
                break;
            case MessagePart { Message: { } inner }:
                SevenBitComposite(entity);
                Fix(inner);
                break;
        }
    }

    static void SevenBitComposite(MimeEntity entity)
    {
        string? encoding = entity.Headers[HeaderId.ContentTransferEncoding];
        if (encoding is not null && !encoding.Trim().Equals("7bit", StringComparison.OrdinalIgnoreCase))
            entity.Headers[HeaderId.ContentTransferEncoding] = "7bit";
    }

    /// <summary>Re-sets every header whose raw value has 8-bit octets, which makes MimeKit encode it (RFC 2047).</summary>
    static void EncodeHeaders(HeaderList headers)
    {
        foreach (Header header in headers)
        {
            if (header.RawValue.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xff) < 0)
                continue;
            header.SetValue(Wire, Encoding.UTF8, header.Value);
        }
    }

    static FormatOptions CreateWireFormat()
    {
        FormatOptions options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.International = false;
        return options;
    }

    /// <summary>Counts what is written to it and keeps nothing.</summary>
    sealed class CountingStream : Stream
    {
        long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _length += count;
            return Task.CompletedTask;
        }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
