namespace Postmaster.Routing;

/// <summary>Which addresses a route's key matches (DESIGN.md §2, the lookup order).</summary>
public enum RouteKeyKind
{
    /// <summary><c>L@D</c>: one address.</summary>
    Exact,
    /// <summary><c>L@</c>: local part L at every local domain.</summary>
    LocalPart,
    /// <summary><c>@D</c>: every address at domain D.</summary>
    Domain,
    /// <summary><c>@</c>: every other address.</summary>
    Default,
}

/// <summary>The left-hand side of a route. Both parts are stored case-folded (lookups are case-insensitive).</summary>
public sealed record RouteKey(string? LocalPart, string? Domain)
{
    public RouteKeyKind Kind => (LocalPart, Domain) switch
    {
        (not null, not null) => RouteKeyKind.Exact,
        (not null, null) => RouteKeyKind.LocalPart,
        (null, not null) => RouteKeyKind.Domain,
        _ => RouteKeyKind.Default,
    };

    public override string ToString() => $"{LocalPart}@{Domain}";
}
