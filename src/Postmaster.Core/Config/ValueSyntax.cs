using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Postmaster.Mail;

namespace Postmaster.Config;

/// <summary>The small value grammars of the file (notes/config-format.md, "Settings"): numbers, sizes,
/// durations, IP addresses, endpoints, networks, host names, user names and paths. Each parser returns a
/// problem text without the setting's name; the caller adds it and the location.</summary>
internal static class ValueSyntax
{
    public const string DurationUnits = "s, m, h, d or w";

    /// <summary>A non-negative decimal integer, digits only (no sign, no blanks), at most <paramref name="max"/>.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, long max, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.ContainsAnyExceptInRange('0', '9'))
            return false;
        foreach (char c in text)
        {
            value = value * 10 + (c - '0');
            if (value > max)
                return false;
        }
        return true;
    }

    /// <summary>A whole number for a count setting.</summary>
    public static bool TryParseCount(string text, out int value, [NotNullWhen(false)] out string? problem)
    {
        value = 0;
        problem = null;
        if (text.Length == 0 || text.AsSpan().ContainsAnyExceptInRange('0', '9'))
            problem = $"expected a whole number, not \"{text}\"";
        else if (!TryParseNumber(text, int.MaxValue, out long number))
            problem = $"\"{text}\" is too large";
        else
            value = (int)number;
        return problem is null;
    }

    /// <summary><c>&lt;integer&gt;[K|M|G]</c>, powers of 1024, case-insensitive.</summary>
    public static bool TryParseSize(string text, out long bytes, [NotNullWhen(false)] out string? problem)
    {
        bytes = 0;
        problem = null;
        ReadOnlySpan<char> digits = text;
        int shift = text.Length == 0 ? 0 : char.ToUpperInvariant(text[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
        if (shift > 0)
            digits = digits[..^1];
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
            problem = $"bad size \"{text}\" (a number with an optional K, M or G)";
        else if (!TryParseNumber(digits, (4L << 30) >> shift, out long number) || number == 0)
            problem = $"size \"{text}\" out of range (1 to 4G)";
        else
            bytes = number << shift;
        return problem is null;
    }

    /// <summary><c>&lt;integer&gt;&lt;unit&gt;</c>, unit s, m, h, d or w (case-insensitive); 0 is allowed here,
    /// the settings that need more say so.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration, [NotNullWhen(false)] out string? problem)
    {
        duration = TimeSpan.Zero;
        problem = null;
        int unitAt = text.AsSpan().IndexOfAnyExceptInRange('0', '9');
        long unitSeconds = unitAt < 0 ? 0 : char.ToLowerInvariant(text[unitAt]) switch
        {
            's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, 'w' => 7 * 86400, _ => 0,
        };
        if (unitAt == 0)
            problem = $"bad duration \"{text}\" (a number and {DurationUnits})";
        else if (unitAt < 0)
            problem = $"missing unit in \"{text}\" ({DurationUnits})";
        else if (unitSeconds == 0 || unitAt != text.Length - 1)
            problem = $"unknown unit in \"{text}\" ({DurationUnits})";
        else if (!TryParseNumber(text.AsSpan(0, unitAt), (long)TimeSpan.MaxValue.TotalSeconds / unitSeconds, out long count))
            problem = $"duration \"{text}\" is too large";
        else
            duration = TimeSpan.FromSeconds(count * unitSeconds);
        return problem is null;
    }

    /// <summary>Dotted-quad IPv4 only: four decimal parts 0-255 without leading zeros (inet_aton would read
    /// "010" as octal and "10.1" as 10.0.0.1, so those are refused rather than guessed).</summary>
    public static bool TryParseIPv4(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        Span<byte> octets = stackalloc byte[4];
        for (int i = 0; i < 4; i++)
        {
            int dot = text.IndexOf('.');
            ReadOnlySpan<char> part = i < 3 ? (dot < 0 ? [] : text[..dot]) : text;
            if (part.Length is 0 or > 3 || part.Length > 1 && part[0] == '0' || !TryParseNumber(part, 255, out long octet))
                return false;
            octets[i] = (byte)octet;
            text = i < 3 ? text[(dot + 1)..] : [];
        }
        address = new IPAddress(octets);
        return true;
    }

    /// <summary>An IPv6 address written without brackets.</summary>
    public static bool TryParseIPv6(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (!text.Contains(':') || text.ContainsAny('[', ']') || !IPAddress.TryParse(text, out IPAddress? parsed)
            || parsed.AddressFamily != AddressFamily.InterNetworkV6)
            return false;
        address = parsed;
        return true;
    }

    /// <summary>An IP address: dotted-quad IPv4 or IPv6, without brackets.</summary>
    public static bool TryParseIP(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address) =>
        TryParseIPv4(text, out address) || TryParseIPv6(text, out address);

    /// <summary><c>IPv4:port</c> or <c>[IPv6]:port</c>; with <paramref name="defaultPort"/> the port may be
    /// left out and a bare IP (IPv6 with or without brackets) is accepted too.</summary>
    public static bool TryParseEndpoint(string text, int? defaultPort, [NotNullWhen(true)] out IPEndPoint? endpoint,
        [NotNullWhen(false)] out string? problem)
    {
        endpoint = null;
        problem = null;
        if (defaultPort is int implicitPort && TryParseIP(text, out IPAddress? bare))
        {
            endpoint = new IPEndPoint(bare, implicitPort);
            return true;
        }
        if (!TrySplitHostPort(text, defaultPort, out string host, out int port, out problem))
            return false;
        if (!TryParseIP(host, out IPAddress? address) || text[0] != '[' && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            problem = defaultPort is null ? $"expected IPv4:port or [IPv6]:port, not \"{text}\""
                : $"expected an IP address, IPv4:port or [IPv6]:port, not \"{text}\"";
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>Splits <c>host:port</c> or <c>[host]:port</c>; the host comes back without brackets. The
    /// brackets are required around an IPv6 address, because its colons would be read as the port's.</summary>
    public static bool TrySplitHostPort(string text, int? defaultPort, out string host, out int port,
        [NotNullWhen(false)] out string? problem)
    {
        host = text;
        port = defaultPort ?? 0;
        problem = null;
        string? portText = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0)
                problem = $"missing \"]\" in \"{text}\"";
            else if (close + 1 < text.Length && text[close + 1] != ':')
                problem = $"unexpected text after \"]\" in \"{text}\"";
            else
            {
                host = text[1..close];
                portText = close + 1 < text.Length ? text[(close + 2)..] : null;
                if (!TryParseIPv6(host, out _))
                    problem = $"not an IPv6 address: \"{host}\"";
            }
        }
        else
        {
            int colon = text.IndexOf(':');
            if (colon >= 0 && text.IndexOf(':', colon + 1) >= 0)
                problem = $"IPv6 address \"{text}\" must be in brackets: [address]:port";
            else if (colon >= 0)
                (host, portText) = (text[..colon], text[(colon + 1)..]);
        }
        if (problem is null && portText is null && defaultPort is null)
            problem = $"missing port in \"{text}\"";
        else if (problem is null && portText is not null)
        {
            if (TryParseNumber(portText, 65535, out long number) && number > 0)
                port = (int)number;
            else
                problem = $"bad port \"{portText}\" (1-65535)";
        }
        return problem is null;
    }

    /// <summary>A host to connect to: a DNS name (lower-cased, IDNA) or a dotted-quad IPv4 address. A name made
    /// only of digits and dots is an IPv4 address and must be a valid one.</summary>
    public static bool TryParseHostName(string text, [NotNullWhen(true)] out string? host, [NotNullWhen(false)] out string? problem)
    {
        host = null;
        problem = null;
        if (text.Length == 0)
            problem = "empty host";
        else if (text.AsSpan().IndexOfAnyExcept("0123456789.") < 0)
        {
            if (TryParseIPv4(text, out IPAddress? address))
                host = address.ToString();
            else
                problem = $"bad IPv4 address \"{text}\"";
        }
        else if (text[0] == '[' || !Mailbox.TryNormalizeDomain(text, out host, out problem))
            problem ??= $"bad host name \"{text}\"";
        return problem is null;
    }

    /// <summary>A network in CIDR notation or a single address (/32 or /128).</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network, [NotNullWhen(false)] out string? problem)
    {
        network = default;
        problem = null;
        int slash = text.IndexOf('/');
        ReadOnlySpan<char> addressText = slash < 0 ? text : text.AsSpan(0, slash);
        if (!TryParseIP(addressText, out IPAddress? address))
        {
            problem = $"bad network \"{text}\" (expected an address or address/prefix)";
            return false;
        }
        int maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        long prefix = maxPrefix;
        if (slash >= 0 && (!TryParseNumber(text.AsSpan(slash + 1), maxPrefix, out prefix)
                           || text.Length - slash > 2 && text[slash + 1] == '0'))
        {
            problem = $"bad prefix length in \"{text}\" (0-{maxPrefix})";
            return false;
        }
        network = new IPNetwork(Masked(address, (int)prefix), (int)prefix);
        if (!network.BaseAddress.Equals(address))
        {
            // An address with host bits set is ambiguous: a typo for the network, or a wrong prefix?
            problem = $"\"{text}\" has host bits set; did you mean \"{network}\"?";
            return false;
        }
        return true;
    }

    static IPAddress Masked(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    /// <summary>A system user name: first a letter, digit or <c>_</c>; then letters, digits, <c>_ . -</c>; at
    /// most 32 characters; a trailing <c>$</c> is allowed (Samba machine accounts).</summary>
    public static bool IsUserName(ReadOnlySpan<char> name)
    {
        if (name.Length > 32)
            return false;
        if (name.EndsWith("$"))
            name = name[..^1];
        if (name.IsEmpty || !(char.IsAsciiLetterOrDigit(name[0]) || name[0] == '_'))
            return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
                return false;
        }
        return true;
    }

    public static bool IsAbsolutePath(string path) => path.StartsWith('/');

    /// <summary>Compares a keyword case-insensitively (on/off, spf modes, log targets, auto, none).</summary>
    public static bool IsWord(string text, string word) => string.Equals(text, word, StringComparison.OrdinalIgnoreCase);
}
