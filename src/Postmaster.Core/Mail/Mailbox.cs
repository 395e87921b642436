using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Postmaster.Mail;

/// <summary>An RFC 5321 mailbox, <c>local-part@domain</c>, as it travels in envelopes and routing keys.</summary>
/// <remarks>The domain is kept lower-case and in ASCII (IDNA), because domains compare case-insensitively
/// (RFC 5321 §2.4). The local part keeps its case for delivery; routing compares it case-insensitively
/// through <see cref="Key"/>.</remarks>
public sealed record Mailbox
{
    /// <summary>RFC 5321 §4.5.3.1.1 and §4.5.3.1.2.</summary>
    public const int MaxLocalPart = 64, MaxDomain = 255;

    public string LocalPart { get; }
    public string Domain { get; }

    Mailbox(string localPart, string domain)
    {
        LocalPart = localPart;
        Domain = domain;
    }

    /// <summary>The case-folded form used for every lookup.</summary>
    public string Key => $"{LocalPart.ToLowerInvariant()}@{Domain}";

    public override string ToString() => $"{LocalPart}@{Domain}";

    public Mailbox WithDomain(string domain) => new(LocalPart, domain);

    public Mailbox WithLocalPart(string localPart) => new(localPart, Domain);

    public static Mailbox Parse(string text) =>
        TryParse(text, out Mailbox? mailbox, out string? problem) ? mailbox : throw new FormatException(problem);

    public static bool TryParse(string text, [NotNullWhen(true)] out Mailbox? mailbox) => TryParse(text, out mailbox, out _);

    /// <summary>Parses <c>local@domain</c> (no angle brackets).</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out Mailbox? mailbox, [NotNullWhen(false)] out string? problem)
    {
        mailbox = null;
        int at = text.LastIndexOf('@');
        if (at < 0)
        {
            problem = "missing @";
            return false;
        }
        if (!TryParseLocalPart(text[..at], out problem))
            return false;
        if (!TryNormalizeDomain(text[(at + 1)..], out string? domain, out problem))
            return false;
        mailbox = new Mailbox(text[..at], domain);
        return true;
    }

    /// <summary>RFC 5321 §4.1.2 <c>Local-part = Dot-string / Quoted-string</c>; UTF-8 allowed (RFC 6531).</summary>
    public static bool TryParseLocalPart(string localPart, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        if (localPart.Length == 0)
            problem = "empty local part";
        else if (localPart.Length > MaxLocalPart)
            problem = $"local part longer than {MaxLocalPart} characters";
        else if (localPart[0] == '"')
            problem = IsQuotedString(localPart) ? null : "bad quoted local part";
        else if (localPart[0] == '.' || localPart[^1] == '.' || localPart.Contains(".."))
            problem = $"bad dots in local part \"{localPart}\"";
        else
        {
            foreach (char c in localPart)
            {
                if (!IsAtext(c) && c != '.')
                {
                    problem = $"character '{Printable(c)}' not allowed in local part";
                    break;
                }
            }
        }
        return problem is null;
    }

    /// <summary>Lower-cases a domain and converts it to ASCII (IDNA); accepts address literals like <c>[192.0.2.1]</c>.</summary>
    public static bool TryNormalizeDomain(string domain, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? problem)
    {
        normalized = null;
        problem = null;
        if (domain.Length == 0)
            problem = "empty domain";
        else if (domain[0] == '[')
        {
            if (!IsAddressLiteral(domain))
                problem = $"bad address literal \"{domain}\"";
            else
                normalized = domain.ToLowerInvariant();
            return problem is null;
        }
        else
        {
            string ascii = domain;
            if (!Ascii.IsValid(domain))
            {
                try
                {
                    ascii = new IdnMapping().GetAscii(domain.ToLowerInvariant());   // lower-case first: IDNA maps case
                }
                catch (ArgumentException)
                {
                    problem = $"bad international domain \"{domain}\"";
                    return false;
                }
            }
            problem = DomainProblem(ascii);
            if (problem is null)
                normalized = ascii.ToLowerInvariant();
        }
        return problem is null;
    }

    // RFC 5321 §4.1.2: Domain = sub-domain *("." sub-domain); Let-dig [Ldh-str]
    static string? DomainProblem(string domain)
    {
        if (domain.Length > MaxDomain)
            return $"domain longer than {MaxDomain} characters";
        foreach (string label in domain.Split('.'))
        {
            if (label.Length == 0)
                return $"empty label in domain \"{domain}\"";
            if (label.Length > 63)
                return $"label longer than 63 characters in domain \"{domain}\"";
            if (label[0] == '-' || label[^1] == '-')
                return $"label starts or ends with '-' in domain \"{domain}\"";
            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
                    return $"character '{Printable(c)}' not allowed in domain \"{domain}\"";
            }
        }
        return null;
    }

    static bool IsAddressLiteral(string text)
    {
        if (text.Length < 3 || text[^1] != ']')
            return false;
        string inner = text[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
            return System.Net.IPAddress.TryParse(inner[5..], out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        return System.Net.IPAddress.TryParse(inner, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && inner.Count(c => c == '.') == 3;
    }

    static bool IsQuotedString(string text)
    {
        if (text.Length < 2 || text[^1] != '"')
            return false;
        for (int i = 1; i < text.Length - 1; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                i++;
                if (i >= text.Length - 1 || text[i] < 32 || text[i] == 127)
                    return false;
            }
            else if (c == '"' || c < 32 || c == 127)
                return false;
        }
        return true;
    }

    // RFC 5322 §3.2.3 atext, plus any non-ASCII character (RFC 6531 UTF8-non-ascii).
    static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || c > 127 && !char.IsControl(c) && !char.IsWhiteSpace(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c);

    static string Printable(char c) => c < 32 || c == 127 ? $"\\x{(int)c:x2}" : c.ToString();
}
