using System.Diagnostics.CodeAnalysis;
using System.Text;
using Postmaster.Mail;

namespace Postmaster.Smtp.Protocol;

/// <summary>Parses the arguments of MAIL, RCPT and VRFY into values, or into the reply that refuses them.</summary>
/// <remarks>Each method is one grammar rule of RFC 5321 §4.1.2, with its ABNF above it. Never throws on bad input.
/// We do not offer SMTPUTF8, so a non-ASCII address is refused with 553 5.6.7 (RFC 6531 §3.5).</remarks>
public static class CommandParser
{
    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets.</summary>
    const int MaxPath = 256;

    /// <summary>The text after <c>MAIL </c>.</summary>
    // mail = "MAIL FROM:" Reverse-path [SP Mail-parameters]; Reverse-path = Path / "<>"
    public static bool TryParseMail(string arguments, [NotNullWhen(true)] out MailCommand? command, out Reply error)
    {
        command = null;
        if (!TrySplit(arguments, "FROM:", out string? path, out string? parameters))
        {
            error = Replies.SyntaxError("Syntax: MAIL FROM:<address> [parameters]");
            return false;
        }
        if (path is null)
            return Fail(Replies.BadSenderSyntax, out error);
        if (!TryParsePath(path, isSender: true, out Mailbox? sender, out _, out error))
            return false;
        if (!TryParseMailParameters(parameters, out long? size, out BodyType body, out error))
            return false;
        command = new MailCommand(sender, size, body);
        return true;
    }

    /// <summary>The text after <c>RCPT </c>. We offer no RCPT parameters, so any is 555.</summary>
    // rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path ) [SP Rcpt-parameters]
    public static bool TryParseRcpt(string arguments, [NotNullWhen(true)] out RcptCommand? command, out Reply error)
    {
        command = null;
        if (!TrySplit(arguments, "TO:", out string? path, out string? parameters))
        {
            error = Replies.SyntaxError("Syntax: RCPT TO:<address>");
            return false;
        }
        if (path is null)
            return Fail(Replies.BadRecipientSyntax, out error);
        if (!TryParsePath(path, isSender: false, out Mailbox? recipient, out bool barePostmaster, out error))
            return false;
        string[] tokens = SplitParameters(parameters);
        if (tokens.Length > 0)
        {
            error = Replies.UnknownParameter(Keyword(tokens[0]));
            return false;
        }
        command = new RcptCommand(recipient, barePostmaster);
        error = default;
        return true;
    }

    /// <summary>The text after <c>VRFY </c>: an address with or without angle brackets, or a bare local part,
    /// which is qualified with <paramref name="hostname"/>.</summary>
    // vrfy = "VRFY" SP String
    public static bool TryParseVrfy(string arguments, string hostname, [NotNullWhen(true)] out Mailbox? address, out Reply error)
    {
        address = null;
        string text = arguments.Trim(' ');
        if (text.Length == 0)
        {
            error = Replies.SyntaxError("Syntax: VRFY <address>");
            return false;
        }
        if (text[0] == '<')
        {
            if (text.Length < 2 || text[^1] != '>')
            {
                error = Replies.BadRecipientSyntax;
                return false;
            }
            text = text[1..^1];
        }
        if (!Ascii.IsValid(text))
        {
            error = Replies.NeedsSmtpUtf8;
            return false;
        }
        // A valid local part may itself hold '@' ("a@b" quoted), so try that reading first.
        string qualified = text.Length > 0 && Mailbox.TryParseLocalPart(text, out _) ? $"{text}@{hostname}" : text;
        if (!Mailbox.TryParse(qualified, out address))
        {
            error = Replies.BadRecipientSyntax;
            return false;
        }
        error = default;
        return true;
    }

    /// <summary>Splits <c>FROM:&lt;path&gt; params</c> after checking the keyword (any case); one space may
    /// follow the colon. <paramref name="path"/> is null when no well-formed <c>&lt;...&gt;</c> follows.</summary>
    static bool TrySplit(string arguments, string keyword, out string? path, out string parameters)
    {
        path = null;
        parameters = "";
        ReadOnlySpan<char> rest = arguments.AsSpan().Trim(' ');
        if (!rest.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
            return false;
        rest = rest[keyword.Length..];
        if (rest.StartsWith(' '))
            rest = rest[1..];                       // "MAIL FROM: <a@b>" is common; tolerate it
        int end = PathEnd(rest);
        if (end < 0)
            return true;
        ReadOnlySpan<char> after = rest[(end + 1)..];
        if (!after.IsEmpty && after[0] != ' ')
            return true;                            // "<a@b>SIZE=1"
        path = rest[..(end + 1)].ToString();
        parameters = after.ToString();
        return true;
    }

    /// <summary>The index of the '>' that closes the path starting at <paramref name="text"/>[0], or -1.</summary>
    /// <remarks>A quoted local part may hold '>' and quoted-pairs (RFC 5321 §4.1.2 Quoted-string).</remarks>
    static int PathEnd(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text[0] != '<')
            return -1;
        bool quoted = false;
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted && c == '\\')
                i++;
            else if (c == '"')
                quoted = !quoted;
            else if (c == '>' && !quoted)
                return i;
        }
        return -1;
    }

    // Path = "<" [ A-d-l ":" ] Mailbox ">"
    static bool TryParsePath(string path, bool isSender, out Mailbox? mailbox, out bool barePostmaster, out Reply error)
    {
        mailbox = null;
        barePostmaster = false;
        Reply badSyntax = isSender ? Replies.BadSenderSyntax : Replies.BadRecipientSyntax;
        string inner = path[1..^1];
        error = default;

        if (path.Length > MaxPath)
            error = badSyntax;
        else if (!Ascii.IsValid(inner))
            error = Replies.NeedsSmtpUtf8;
        else if (inner.Length == 0)
            error = isSender ? default : badSyntax;                  // "<>" is the null reverse path only
        else if (!isSender && inner.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
            barePostmaster = true;                                   // RFC 5321 §4.5.1
        else if (!TrySkipSourceRoute(inner, out int start) || !Mailbox.TryParse(inner[start..], out mailbox))
            error = badSyntax;
        return error.Code == 0;
    }

    /// <summary>Source routes are accepted and ignored (RFC 5321 §3.6.1 and appendix C).</summary>
    // A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain
    static bool TrySkipSourceRoute(string text, out int mailboxStart)
    {
        mailboxStart = 0;
        if (!text.StartsWith('@'))
            return true;
        int i = 0;
        while (i < text.Length && text[i] == '@')
        {
            int domain = i + 1;
            int searchFrom = domain;
            if (domain < text.Length && text[domain] == '[')
                searchFrom = text.IndexOf(']', domain) + 1;          // an address literal may hold ':'
            if (searchFrom == 0)
                return false;
            int separator = text.IndexOfAny([',', ':'], searchFrom);
            if (separator < 0 || !Mailbox.TryNormalizeDomain(text[domain..separator], out _, out _))
                return false;
            i = separator + 1;
            if (text[separator] == ':')
            {
                mailboxStart = i;
                return true;
            }
        }
        return false;
    }

    // Mail-parameters = esmtp-param *(SP esmtp-param); we know SIZE (RFC 1870 §6) and BODY (RFC 6152 §2).
    static bool TryParseMailParameters(string parameters, out long? size, out BodyType body, out Reply error)
    {
        size = null;
        body = BodyType.Unspecified;
        foreach (string token in SplitParameters(parameters))
        {
            if (!TryParseParameter(token, out string keyword, out string? value))
            {
                error = Replies.BadParameter($"Bad parameter syntax: {token}");
                return false;
            }
            if (keyword.Equals("SIZE", StringComparison.OrdinalIgnoreCase))
            {
                if (size is not null)
                    return Fail(Replies.BadParameter("Duplicate SIZE parameter"), out error);
                if (!TryParseSize(value, out long declared))
                    return Fail(Replies.BadParameter("SIZE needs a number"), out error);
                size = declared;
            }
            else if (keyword.Equals("BODY", StringComparison.OrdinalIgnoreCase))
            {
                if (body != BodyType.Unspecified)
                    return Fail(Replies.BadParameter("Duplicate BODY parameter"), out error);
                body = value?.ToUpperInvariant() switch
                {
                    "7BIT" => BodyType.SevenBit,
                    "8BITMIME" => BodyType.EightBitMime,
                    _ => BodyType.Unspecified,
                };
                if (body == BodyType.Unspecified)
                    return Fail(Replies.BadParameter("BODY must be 7BIT or 8BITMIME"), out error);
            }
            else
                return Fail(Replies.UnknownParameter(keyword), out error);
        }
        error = default;
        return true;
    }

    static bool Fail(Reply reply, out Reply error)
    {
        error = reply;
        return false;
    }

    // size-value = 1*20DIGIT (RFC 1870 §6). Beyond long it can only exceed our limit, so it saturates.
    static bool TryParseSize(string? value, out long size)
    {
        size = 0;
        if (value is null || value.Length > 20 || value.AsSpan().ContainsAnyExceptInRange('0', '9'))
            return false;
        if (!long.TryParse(value, out size))
            size = long.MaxValue;
        return true;
    }

    // esmtp-param = esmtp-keyword ["=" esmtp-value]; esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-");
    // esmtp-value = 1*(%d33-60 / %d62-126)
    static bool TryParseParameter(string token, out string keyword, out string? value)
    {
        int equals = token.IndexOf('=');
        keyword = equals < 0 ? token : token[..equals];
        value = equals < 0 ? null : token[(equals + 1)..];
        if (keyword.Length == 0 || !char.IsAsciiLetterOrDigit(keyword[0]))
            return false;
        foreach (char c in keyword)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                return false;
        }
        if (value is null)
            return true;
        return value.Length > 0 && !value.AsSpan().ContainsAnyExceptInRange((char)33, (char)126) && !value.Contains('=');
    }

    static string Keyword(string token) => token.IndexOf('=') is int equals and >= 0 ? token[..equals] : token;

    static string[] SplitParameters(string parameters) => parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
