using System.Diagnostics.CodeAnalysis;
using Postmaster.Mail;
using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>Parses the left-hand side of a route: <c>L@D</c>, <c>L@</c>, <c>@D</c> or <c>@</c> (DESIGN.md §2).</summary>
internal static class RouteKeyParser
{
    /// <summary>Splits at the last <c>@</c> (a quoted local part may contain one, RFC 5321 §4.1.2) and stores
    /// both parts case-folded, since lookups are case-insensitive (RFC 5321 §2.4 for domains; the local part by
    /// our choice, as sendmail's virtusertable does).</summary>
    public static bool TryParse(string key, [NotNullWhen(true)] out RouteKey? routeKey, [NotNullWhen(false)] out string? problem)
    {
        routeKey = null;
        problem = null;
        int at = key.LastIndexOf('@');
        string localText = key[..at], domainText = key[(at + 1)..];
        string? domain = null;
        if (localText.Length > 0)
            Mailbox.TryParseLocalPart(localText, out problem);
        if (problem is null && domainText.Length > 0)
            Mailbox.TryNormalizeDomain(domainText, out domain, out problem);
        if (problem is not null)
        {
            problem = $"bad route key \"{key}\": {problem}";
            return false;
        }
        string? localPart = localText.Length > 0 ? localText.ToLowerInvariant() : null;
        routeKey = new RouteKey(localPart, domain);
        return true;
    }
}
