using System.Text;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Policy.Dso;

/// <summary>Turns what <c>postmaster_policy_check</c> returned into a verdict, strictly: anything the header
/// does not allow is the plugin's error, never a reply sent to a client as it stands.</summary>
internal static class DsoReply
{
    public static readonly Reply DefaultReject = new(550, "5.7.1", "Rejected by policy");
    public static readonly Reply DefaultDefer = new(450, "4.7.1", "Deferred by policy; try again later");

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <returns>The verdict, or <c>null</c> with what was wrong in <paramref name="problem"/>.</returns>
    public static PolicyVerdict? Read(DsoAnswer answer, out string? problem)
    {
        problem = null;
        switch (answer.Verdict)
        {
            case DsoAbi.Continue:
                return PolicyVerdict.Continue;
            case DsoAbi.Accept:
                return PolicyVerdict.Accept;
            case DsoAbi.Reject or DsoAbi.Defer:
                break;
            default:
                problem = $"returned the unknown verdict {answer.Verdict}";
                return null;
        }

        bool reject = answer.Verdict == DsoAbi.Reject;
        int end = Array.IndexOf(answer.Reply, (byte)0);
        if (end < 0)
        {
            problem = $"reply is not NUL-terminated within {DsoAbi.ReplySize} bytes";
            return null;
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(answer.Reply, 0, end);
        }
        catch (DecoderFallbackException)
        {
            problem = $"reply is not UTF-8: \"{Printable(answer.Reply.AsSpan(0, end))}\"";
            return null;
        }
        if (text.Length == 0)
            return reject ? PolicyVerdict.Reject(DefaultReject) : PolicyVerdict.Defer(DefaultDefer);
        if (ParseReply(text, reject ? '5' : '4') is not { } reply)
        {
            problem = $"bad {(reject ? "reject" : "defer")} reply \"{Printable(answer.Reply.AsSpan(0, end))}\"";
            return null;
        }
        return reject ? PolicyVerdict.Reject(reply) : PolicyVerdict.Defer(reply);
    }

    /// <summary><c>CODE [STATUS] TEXT</c> with the code and status of class <paramref name="kind"/>.</summary>
    static Reply? ParseReply(string text, char kind)
    {
        if (!PolicyReplyText.TrySplitCode(text, out short code, out string rest)
            || text[0] != kind || text[1] > '5' || code % 100 == 21 || !PolicyReplyText.IsPrintable(rest))
            return null;
        PolicyReplyText.SplitStatus(rest, out string? status, out string words);
        if (status is null && PolicyReplyText.LooksLikeStatus(rest.Split(' ')[0]))
            return null;   // "550 5.7 text": a broken status, not text
        if (status is not null && status[0] != kind)
            return null;
        string defaultText = kind == '5' ? DefaultReject.Text : DefaultDefer.Text;
        return new Reply(code, status ?? $"{kind}.7.1", words.Length == 0 ? defaultText : words);
    }

    /// <summary>Bytes for a log line: printable ASCII as it is, anything else as \xNN.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes.Length > 200 ? bytes[..200] : bytes)
            text.Append(b is >= 0x20 and < 0x7f && b != '\\' ? (char)b : $"\\x{b:x2}");
        return text.ToString();
    }
}
