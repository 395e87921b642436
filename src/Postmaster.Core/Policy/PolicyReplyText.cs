namespace Postmaster.Policy;

/// <summary>Reads the reply a policy writes for a refusal, <c>CODE [ENHANCED-STATUS] TEXT</c>
/// (<c>550 5.7.1 Go away</c>), or the status and text alone (<c>4.7.1 Greylisted</c>).</summary>
public static class PolicyReplyText
{
    /// <summary>Splits off a leading basic code: three digits, then the end or a space.</summary>
    public static bool TrySplitCode(string text, out short code, out string rest)
    {
        code = 0;
        rest = text;
        if (text.Length < 3 || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1]) || !char.IsAsciiDigit(text[2])
            || (text.Length > 3 && text[3] != ' '))
            return false;
        code = (short)((text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0'));
        rest = text.Length > 3 ? text[4..].TrimStart(' ') : "";
        return true;
    }

    /// <summary>Splits off a leading RFC 3463 enhanced status (<c>class.subject.detail</c>: class 2, 4 or 5,
    /// subject and detail 1-3 digits); <paramref name="status"/> is <c>null</c> when the text starts otherwise.</summary>
    public static void SplitStatus(string text, out string? status, out string rest)
    {
        int end = text.IndexOf(' ');
        string word = end < 0 ? text : text[..end];
        status = IsStatus(word) ? word : null;
        rest = status is null ? text : end < 0 ? "" : text[(end + 1)..].TrimStart(' ');
    }

    /// <summary>Whether <paramref name="word"/> looks like an enhanced status at all (digits and dots, starting
    /// <c>d.</c>): such a word that is not a valid one is a mistake rather than text.</summary>
    public static bool LooksLikeStatus(string word) =>
        word.Length >= 2 && char.IsAsciiDigit(word[0]) && word[1] == '.' && word.All(c => c == '.' || char.IsAsciiDigit(c));

    public static bool IsStatus(string word)
    {
        string[] parts = word.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5"
            && parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit)
            && parts[2].Length is >= 1 and <= 3 && parts[2].All(char.IsAsciiDigit);
    }

    /// <summary>Whether the text has no control characters (CR and LF above all: they would end the reply line).</summary>
    public static bool IsPrintable(string text) => !text.Any(c => char.IsControl(c));
}
