using System.Globalization;
using System.Text;
using Postmaster.Mail;

namespace Postmaster.Delivery;

public static partial class DsnBuilder
{
    /// <summary>Longest diagnostic reported; longer ones are cut (a remote reply is rarely over a few lines).</summary>
    internal const int MaxDiagnostic = 2000;

    /// <summary>Makes text from the network safe for one header field: control characters and line breaks
    /// (CR, LF, NEL, U+2028/9) become spaces, runs of white space one space; cut at <paramref name="max"/> characters.</summary>
    internal static string Clean(string? text, int max = MaxDiagnostic)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        var clean = new StringBuilder(Math.Min(text.Length, max + 3));
        bool pendingSpace = false;
        foreach (Rune rune in text.EnumerateRunes())   // lone surrogates come out as U+FFFD
        {
            if (Rune.IsControl(rune) || Rune.IsWhiteSpace(rune))
            {
                pendingSpace = clean.Length > 0;
                continue;
            }
            if (clean.Length >= max)
            {
                clean.Append("...");
                break;
            }
            if (pendingSpace)
                clean.Append(' ');
            pendingSpace = false;
            clean.Append(rune.ToString());
        }
        return clean.ToString();
    }

    /// <summary>A host name for Remote-MTA: cleaned, and without spaces (RFC 3464 mta-name is one word for "dns").</summary>
    static string CleanHost(string? host) => Clean(host, Mailbox.MaxDomain + 64).Replace(' ', '_');

    /// <summary>RFC 3464 §2.3.2 <c>address-type ";" generic-address</c>: <c>rfc822</c> for an ASCII address,
    /// else RFC 6533 §3 <c>utf-8</c> with utf-8-addr-xtext (message/delivery-status is ASCII).</summary>
    internal static string AddressField(Mailbox mailbox)
    {
        string address = mailbox.ToString();
        return Ascii.IsValid(address) ? $"rfc822; {address}" : $"utf-8; {Utf8AddressXtext(address)}";
    }

    // RFC 6533 §3: utf-8-addr-xtext = 1*(QCHAR / EmbeddedUnicodeChar);
    // QCHAR = %x21-2a / %x2c-3c / %x3e-5b / %x5d-7e; EmbeddedUnicodeChar = "\x{" HEXPOINT "}".
    internal static string Utf8AddressXtext(string address)
    {
        var xtext = new StringBuilder(address.Length + 16);
        foreach (Rune rune in address.EnumerateRunes())
        {
            int c = rune.Value;
            if (c is >= 0x21 and <= 0x7e && c is not ('+' or '=' or '\\'))
                xtext.Append((char)c);
            else
                xtext.Append(CultureInfo.InvariantCulture, $"\\x{{{c:X}}}");
        }
        return xtext.ToString();
    }

    /// <summary>RFC 3463 §2 <c>class "." subject "." detail</c> with class 4 or 5, or the generic code of the kind if the given one is not.</summary>
    internal static string StatusCode(string? status, DsnKind kind)
    {
        string[] parts = (status ?? "").Trim().Split('.');
        // 2.x.x means success, which a bounce or a delay warning never reports.
        if (parts.Length == 3 && parts[0] is "4" or "5" && parts[1..].All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit)))
            return string.Join('.', parts);
        return kind == DsnKind.Failure ? "5.0.0" : "4.0.0";
    }

    /// <summary>RFC 3464 §2.3.6: <c>smtp</c> when the diagnostic is an SMTP reply (<c>550 5.1.1 ...</c>), else ours.</summary>
    internal static string DiagnosticType(string diagnostic) =>
        diagnostic.Length >= 3 && diagnostic[0] is >= '2' and <= '5' && char.IsAsciiDigit(diagnostic[1]) && char.IsAsciiDigit(diagnostic[2])
        && (diagnostic.Length == 3 || diagnostic[3] is ' ' or '-')
            ? "smtp"
            : "x-postmaster";
}
