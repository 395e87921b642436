using Postmaster.Smtp.Protocol;

namespace Postmaster.Policy.Delegation;

/// <summary>Reads the <c>action=</c> of a policy server's reply, an access(5) action as Postfix reads it.</summary>
/// <remarks>
/// OK accepts; DUNNO continues; REJECT and 5NN reject; DEFER, DEFER_IF_PERMIT and 4NN defer (421 and 521 also
/// close the connection); PREPEND adds a header field. REJECT, DEFER and DEFER_IF_PERMIT use Postfix's default
/// codes (access_map_reject_code 554, access_map_defer_code 450); text may start with an RFC 3463 status, whose
/// class is made to agree with the code, as Postfix does, and X.7.1 is the default status.
/// Postfix actions that make no sense here or that Postmaster does not implement (WARN, INFO, HOLD, DISCARD,
/// FILTER, REDIRECT, BCC, DEFER_IF_REJECT) are logged and ignored: the verdict is continue. Anything else is not
/// an answer at all, and <see cref="Read"/> returns null: the caller treats it as a failed policy.
/// </remarks>
public static class PolicyAction
{
    /// <summary>The longest text of a reply we pass on: a reply line has at most 512 octets (RFC 5321 §4.5.3.1.5).</summary>
    const int MaxText = 400;

    static readonly string[] Ignored = ["WARN", "INFO", "HOLD", "DISCARD", "FILTER", "REDIRECT", "BCC", "DEFER_IF_REJECT"];

    /// <returns>The verdict (with a <see cref="PolicyVerdict.Note"/> when something was ignored), or <c>null</c>
    /// when <paramref name="action"/> is no action at all.</returns>
    public static PolicyVerdict? Read(string action)
    {
        action = action.Trim();
        int space = action.IndexOf(' ');
        string word = (space < 0 ? action : action[..space]).ToUpperInvariant();
        string text = space < 0 ? "" : action[(space + 1)..].Trim();

        if (PolicyReplyText.TrySplitCode(action, out short code, out string rest))
            return Numeric(code, rest);
        switch (word)
        {
            case "OK":
                return PolicyVerdict.Accept;
            case "DUNNO":
                return PolicyVerdict.Continue;
            case "REJECT":
                return PolicyVerdict.Reject(Compose(554, text, "Access denied"));
            case "DEFER" or "DEFER_IF_PERMIT":
                return PolicyVerdict.Defer(Compose(450, text, "Try again later"));
            case "PREPEND":
                return IsHeaderField(text) ? PolicyVerdict.ContinueWith(text)
                    : PolicyVerdict.Continue with { Note = $"ignored PREPEND of a malformed header field \"{Shorten(text)}\"" };
        }
        if (Ignored.Contains(word))
            return PolicyVerdict.Continue with { Note = $"ignored action {Shorten(action)} (not supported by Postmaster)" };
        return null;
    }

    // "450 text", "554 5.7.1 text": the class decides; x21 also ends the session (Postfix: "reject and disconnect").
    static PolicyVerdict? Numeric(short code, string rest)
    {
        if (code / 100 is not (4 or 5) || code % 100 / 10 > 5)
            return null;
        Reply reply = Compose(code, rest, code / 100 == 4 ? "Try again later" : "Access denied");
        if (code % 100 == 21)
            reply = reply.WithAction(SessionAction.Close);
        return code / 100 == 4 ? PolicyVerdict.Defer(reply) : PolicyVerdict.Reject(reply);
    }

    static Reply Compose(short code, string text, string defaultText)
    {
        char kind = (char)('0' + code / 100);
        PolicyReplyText.SplitStatus(text, out string? status, out string words);
        status = status is null ? $"{kind}.7.1" : kind + status[1..];   // the class agrees with the code
        words = words.Length == 0 ? defaultText : words;
        return new Reply(code, status, words.Length > MaxText ? words[..MaxText] : words);
    }

    /// <summary>RFC 5322 §3.6.8: a field name of printable ASCII but ':', then ':'.</summary>
    static bool IsHeaderField(string text)
    {
        int colon = text.IndexOf(':');
        return colon > 0 && text.Length <= 998 && text[..colon].All(c => c is > ' ' and <= '~' and not ':')
               && PolicyReplyText.IsPrintable(text);
    }

    static string Shorten(string text) => text.Length > 100 ? text[..100] + "..." : text;
}
