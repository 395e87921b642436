using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Postmaster.Mail;

namespace Postmaster.Spool;

// How single values are written inside envelope lines: percent-encoding, times, addresses.
public static partial class EnvelopeFormat
{
    /// <summary>Where a value stands in its line, which decides which octets must be percent-encoded.</summary>
    enum Place
    {
        /// <summary>A space-separated word or a <c>key=value</c> value: space, '&lt;', '&gt;', '=', '%'.</summary>
        Word,
        /// <summary>Between '&lt;' and '&gt;': space, '&lt;', '&gt;', '%' ('=' is common in SRS addresses and harmless here).</summary>
        Address,
        /// <summary>The rest of the line (last-error, mailer): '%', and a space only at either end.</summary>
        Text,
    }

    const string TimeFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'";   // ISO 8601 UTC, trailing zeros dropped
    const string HexDigits = "0123456789ABCDEF";

    /// <summary>Percent-encodes the UTF-8 octets of <paramref name="value"/> that could make the line
    /// ambiguous: always '%', control characters and everything outside ASCII, so that every line is
    /// printable ASCII whatever an address or a remote server's error text contains.</summary>
    static string Encode(string value, Place place)
    {
        byte[] octets = Encoding.UTF8.GetBytes(value);          // a lone surrogate becomes U+FFFD
        var text = new StringBuilder(octets.Length + 8);
        for (int i = 0; i < octets.Length; i++)
        {
            byte b = octets[i];
            if (MustEncode(b, place, atEnd: i == 0 || i == octets.Length - 1))
                text.Append('%').Append(HexDigits[b >> 4]).Append(HexDigits[b & 15]);
            else
                text.Append((char)b);
        }
        return text.ToString();
    }

    static bool MustEncode(byte b, Place place, bool atEnd) => b switch
    {
        < 0x20 or >= 0x7F or (byte)'%' => true,
        (byte)' ' => place != Place.Text || atEnd,
        (byte)'<' or (byte)'>' => place != Place.Text,
        (byte)'=' => place == Place.Word,
        _ => false,
    };

    static bool TryDecode(ReadOnlySpan<char> text, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out string? problem)
    {
        value = null;
        if (!text.Contains('%'))
        {
            value = text.ToString();
            problem = null;
            return true;
        }
        var octets = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                octets.Add((byte)text[i]);              // lines were checked to be printable ASCII
                continue;
            }
            if (i + 2 >= text.Length || !byte.TryParse(text.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                problem = $"bad percent-encoding '{text[i..Math.Min(i + 3, text.Length)]}'";
                return false;
            }
            octets.Add(b);
            i += 2;
        }
        if (!Utf8.IsValid(octets.ToArray()))
        {
            problem = "percent-encoded octets are not UTF-8";
            return false;
        }
        value = Encoding.UTF8.GetString(octets.ToArray());
        problem = null;
        return true;
    }

    static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    static bool TryParseTime(ReadOnlySpan<char> text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    static string FormatPath(Mailbox? mailbox) => mailbox is null ? "<>" : $"<{Encode(mailbox.ToString(), Place.Address)}>";

    /// <summary><c>&lt;local@domain&gt;</c>, or <c>&lt;&gt;</c> (null) when <paramref name="allowNull"/>.</summary>
    static bool TryParsePath(ReadOnlySpan<char> text, bool allowNull, out Mailbox? mailbox, [NotNullWhen(false)] out string? problem)
    {
        mailbox = null;
        if (text.Length < 2 || text[0] != '<' || text[^1] != '>')
        {
            problem = $"address '{text}' not in <>";
            return false;
        }
        if (text.Length == 2)
        {
            problem = allowNull ? null : "empty address <>";
            return allowNull;
        }
        if (!TryDecode(text[1..^1], out string? address, out problem))
            return false;
        if (!Mailbox.TryParse(address, out mailbox, out string? why))
        {
            problem = $"bad address '{text}': {why}";
            return false;
        }
        return true;
    }

    static bool TryParseCount(ReadOnlySpan<char> text, out long count) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count);
}
