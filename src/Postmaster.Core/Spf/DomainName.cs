namespace Postmaster.Spf;

/// <summary>Which names an SPF check can be run for: RFC 7208 §4.3 makes check_host() return "none" for a
/// malformed domain or one that is not multi-label, so such names never go to libspf2 at all.</summary>
public static class DomainName
{
    /// <summary>A fully qualified LDH domain name (letters, digits, hyphens; labels of 1-63 octets; at least two
    /// labels; 253 octets at most; no trailing dot), not an address literal and not all digits and dots.</summary>
    public static bool IsCheckable(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 253 || name[^1] == '.')
            return false;
        int labels = 0;
        bool allNumeric = true;
        foreach (Range range in name.AsSpan().Split('.'))
        {
            ReadOnlySpan<char> label = name.AsSpan(range);
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
                    return false;
                allNumeric &= char.IsAsciiDigit(c);
            }
            labels++;
        }
        // "192.0.2.1" as a HELO is an address written without brackets, not a domain.
        return labels >= 2 && !allNumeric;
    }
}
