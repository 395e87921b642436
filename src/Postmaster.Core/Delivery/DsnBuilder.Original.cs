using MimeKit;

namespace Postmaster.Delivery;

public static partial class DsnBuilder
{
    /// <summary>How much of an over-long header section is returned at most; beyond it the headers are cut.</summary>
    internal const int MaxHeaderSection = 1024 * 1024;

    const int ChunkSize = 16 * 1024;

    /// <summary>How much of the original the report returns.</summary>
    enum Returned { Message, Headers, Nothing }

    /// <summary>The third part of the report: the original whole, or its header section only; none when MimeKit
    /// cannot read the original as a message at all (RFC 6522 §3 makes the part optional).</summary>
    readonly record struct ReturnedOriginal(MimeEntity? Part, Returned What, bool EightBit);

    /// <summary>Reads at most <paramref name="limit"/> + 1 octets; if the original fits, returns it as message/rfc822,
    /// else reads on only to the end of its header section and returns that as text/rfc822-headers (RFC 6522 §4).</summary>
    /// <remarks>A corrupt original must not stop a bounce, so a parse failure returns nothing instead of throwing.</remarks>
    static ReturnedOriginal ReadOriginal(Stream original, long limit)
    {
        int wholeLimit = (int)Math.Min(limit, Array.MaxLength - 1);
        using var buffer = new MemoryStream(InitialCapacity(original, wholeLimit));
        if (CopyUpTo(original, buffer, wholeLimit + 1L) <= wholeLimit)
        {
            ReadOnlyMemory<byte> whole = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            bool eightBit = HasEightBit(whole.Span);
            // persistent: the parsed message points into the buffer instead of copying it.
            MimeMessage message;
            try
            {
                message = MimeMessage.Load(ParserOptions.Default, new MemoryStream(buffer.GetBuffer(), 0, whole.Length, false), persistent: true);
            }
            catch (FormatException)
            {
                return new ReturnedOriginal(null, Returned.Nothing, false);
            }
            var part = new MessagePart { Message = message };
            if (eightBit)
                part.Headers.Add(HeaderId.ContentTransferEncoding, "8bit");   // RFC 2046 §5.2.1: 7bit, 8bit or binary only
            return new ReturnedOriginal(part, Returned.Message, eightBit);
        }

        int end = ReadHeaderSection(original, buffer);
        byte[] bytes = buffer.GetBuffer();
        bool headersEightBit = HasEightBit(bytes.AsSpan(0, end));
        HeaderList headers;
        try
        {
            headers = HeaderList.Load(ParserOptions.Default, new MemoryStream(bytes, 0, end, false));
        }
        catch (FormatException)
        {
            return new ReturnedOriginal(null, Returned.Nothing, false);
        }
        if (headers.Count == 0)
            return new ReturnedOriginal(null, Returned.Nothing, false);
        var headersPart = new TextRfc822Headers { Message = new MimeMessage((IEnumerable<Header>)headers) };
        if (headersEightBit)
            headersPart.Headers.Add(HeaderId.ContentTransferEncoding, "8bit");
        return new ReturnedOriginal(headersPart, Returned.Headers, headersEightBit);
    }

    /// <summary>Reads on until <paramref name="buffer"/> holds the whole header section (or
    /// <see cref="MaxHeaderSection"/> octets of it) and returns its length, up to the end of its last line.</summary>
    static int ReadHeaderSection(Stream original, MemoryStream buffer)
    {
        int searched = 0;
        while (true)
        {
            ReadOnlySpan<byte> read = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            int end = HeaderSectionEnd(read, searched);
            if (end >= 0)
                return end;
            searched = Math.Max(0, read.Length - 2);
            if (read.Length >= MaxHeaderSection || CopyUpTo(original, buffer, ChunkSize) == 0)
            {
                int lastLine = read[..Math.Min(read.Length, MaxHeaderSection)].LastIndexOf((byte)'\n');
                return lastLine + 1;   // a cut or unterminated header section: keep its complete lines
            }
        }
    }

    /// <summary>The offset just after the last header line (before the empty line), or -1 if there is no empty line yet.</summary>
    internal static int HeaderSectionEnd(ReadOnlySpan<byte> message, int from = 0)
    {
        if (message.StartsWith("\n"u8) || message.StartsWith("\r\n"u8))
            return 0;
        for (int i = from; ;)
        {
            int lineFeed = message[i..].IndexOf((byte)'\n');
            if (lineFeed < 0)
                return -1;
            i += lineFeed + 1;
            if (message[i..].StartsWith("\n"u8) || message[i..].StartsWith("\r\n"u8))
                return i;
        }
    }

    /// <summary>Copies up to <paramref name="max"/> octets and returns how many it copied (fewer only at the end).</summary>
    static long CopyUpTo(Stream source, MemoryStream destination, long max)
    {
        byte[] chunk = new byte[(int)Math.Min(ChunkSize, Math.Max(max, 1))];
        long copied = 0;
        while (copied < max)
        {
            int n = source.Read(chunk, 0, (int)Math.Min(chunk.Length, max - copied));
            if (n == 0)
                break;
            destination.Write(chunk, 0, n);
            copied += n;
        }
        return copied;
    }

    static int InitialCapacity(Stream original, int wholeLimit)
    {
        if (!original.CanSeek)
            return 0;
        long remaining = Math.Max(0, original.Length - original.Position);
        return (int)Math.Min(remaining, wholeLimit + 1L);
    }

    static bool HasEightBit(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyInRange((byte)0x80, (byte)0xff) >= 0;
}
