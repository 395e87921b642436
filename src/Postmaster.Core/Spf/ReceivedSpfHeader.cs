using System.Net;
using System.Text;

namespace Postmaster.Spf;

/// <summary>The Received-SPF header field of RFC 7208 §9.1 for one check, written by us rather than taken from
/// libspf2, which has none for some results (TOOLCHAIN.md gotcha 8) and leaves the receiver and identity out:
/// <code>
/// Received-SPF: pass (mx.example.org: domain of alice@example.net designates 192.0.2.2 as permitted sender)
///         client-ip=192.0.2.2; envelope-from="alice@example.net"; helo=mail.example.net;
///         receiver=mx.example.org; identity=mailfrom
/// </code>
/// The field's line breaks are a bare '\n', which the session writes as a fold (CRLF and a tab).</summary>
public static class ReceivedSpfHeader
{
    public static string Format(SpfOutcome outcome, string receiver)
    {
        SpfQuery query = outcome.Query;
        IPAddress client = query.Client.IsIPv4MappedToIPv6 ? query.Client.MapToIPv4() : query.Client;
        var field = new StringBuilder("Received-SPF: ").Append(Keyword(outcome.Result))
            .Append(" (").Append(Comment(Explanation(outcome, receiver, client))).Append(")\n");
        field.Append("client-ip=").Append(Value(client.ToString())).Append(';');
        if (query.EnvelopeFrom is { } from)
            field.Append(" envelope-from=").Append(Quoted(from)).Append(';');
        if (query.Helo is { } helo)
            field.Append(" helo=").Append(Value(helo)).Append(';');
        field.Append("\nreceiver=").Append(Value(receiver))
            .Append("; identity=").Append(query.Identity == SpfIdentity.Helo ? "helo" : "mailfrom");
        return field.ToString();
    }

    /// <summary>The result as RFC 7208 §9.1 spells it.</summary>
    public static string Keyword(SpfResult result) => result switch
    {
        SpfResult.Pass => "pass",
        SpfResult.Fail => "fail",
        SpfResult.SoftFail => "softfail",
        SpfResult.Neutral => "neutral",
        SpfResult.TempError => "temperror",
        SpfResult.PermError => "permerror",
        _ => "none",
    };

    static string Explanation(SpfOutcome outcome, string receiver, IPAddress client)
    {
        string identity = outcome.Query.IdentityText;
        string problem = Shorten(outcome.Problem ?? "unknown error");
        return outcome.Result switch
        {
            _ when outcome.Query.Domain is null => $"{receiver}: no domain name to check in \"{identity}\"",
            SpfResult.Pass when IPAddress.IsLoopback(client) => $"{receiver}: localhost is always allowed",   // libspf2's rule
            SpfResult.Pass => $"{receiver}: domain of {identity} designates {client} as permitted sender",
            SpfResult.Fail => $"{receiver}: domain of {identity} does not designate {client} as permitted sender",
            SpfResult.SoftFail => $"{receiver}: domain of transitioning {identity} does not designate {client} as permitted sender",
            SpfResult.Neutral => $"{receiver}: {client} is neither permitted nor denied by domain of {identity}",
            SpfResult.TempError => $"{receiver}: temporary error in processing during lookup of {identity}: {problem}",
            SpfResult.PermError => $"{receiver}: permanent error in processing during lookup of {identity}: {problem}",
            _ => $"{receiver}: domain of {identity} does not provide an SPF record",
        };
    }

    static string Shorten(string text) => text.Length <= 160 ? text : text[..157] + "...";

    /// <summary>RFC 5322 comment content: parentheses and backslashes quoted, control characters never.</summary>
    static string Comment(string text)
    {
        var comment = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (c is '(' or ')' or '\\')
                comment.Append('\\');
            comment.Append(char.IsControl(c) ? '?' : c);
        }
        return comment.ToString();
    }

    /// <summary>A dot-atom as it is, anything else (an IPv6 address, an address literal) as a quoted-string.</summary>
    static string Value(string text) => IsDotAtom(text) ? text : Quoted(text);

    static string Quoted(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text)
        {
            if (c is '"' or '\\')
                quoted.Append('\\');
            quoted.Append(char.IsControl(c) ? '?' : c);
        }
        return quoted.Append('"').ToString();
    }

    // RFC 5322 §3.2.3: dot-atom-text = 1*atext *("." 1*atext)
    static bool IsDotAtom(string text)
    {
        if (text.Length == 0 || text[0] == '.' || text[^1] == '.' || text.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || "!#$%&'*+-/=?^_`{|}~".Contains(c)))
                return false;
        }
        return true;
    }
}
