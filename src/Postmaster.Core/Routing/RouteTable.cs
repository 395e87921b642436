using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Postmaster.Routing;

/// <summary>The routes of a configuration, indexed for the lookups of DESIGN.md §2. Immutable: a reload
/// builds a new table and swaps it in whole.</summary>
public sealed class RouteTable
{
    readonly FrozenDictionary<string, Route> _exact;       // "l@d"
    readonly FrozenDictionary<string, Route> _localPart;   // "l"
    readonly FrozenDictionary<string, Route> _domain;      // "d"

    public ImmutableArray<Route> Routes { get; }
    public Route? Default { get; }

    /// <summary>Domains named in keys (<c>x@D</c>, <c>@D</c>); with the host's own names they are the local domains.</summary>
    public FrozenSet<string> KeyDomains { get; }

    /// <summary>Builds the table; with two routes for one key, the first wins (the parser reports the second).</summary>
    public RouteTable(IEnumerable<Route> routes)
    {
        Routes = [.. routes];
        var exact = new Dictionary<string, Route>();
        var localPart = new Dictionary<string, Route>();
        var domain = new Dictionary<string, Route>();
        foreach (Route route in Routes)
        {
            RouteKey key = route.Key;
            switch (key.Kind)
            {
                case RouteKeyKind.Exact: exact.TryAdd($"{key.LocalPart}@{key.Domain}", route); break;
                case RouteKeyKind.LocalPart: localPart.TryAdd(key.LocalPart!, route); break;
                case RouteKeyKind.Domain: domain.TryAdd(key.Domain!, route); break;
                default: Default ??= route; break;
            }
        }
        _exact = exact.ToFrozenDictionary();
        _localPart = localPart.ToFrozenDictionary();
        _domain = domain.ToFrozenDictionary();
        KeyDomains = Routes.Where(r => r.Key.Domain is not null).Select(r => r.Key.Domain!).ToFrozenSet();
    }

    public static RouteTable Empty { get; } = new([]);

    /// <summary>The <c>L@D</c> route; both arguments case-folded.</summary>
    public Route? FindExact(string localPart, string domain) => _exact.GetValueOrDefault($"{localPart}@{domain}");

    /// <summary>The <c>L@</c> route; the argument case-folded.</summary>
    public Route? FindLocalPart(string localPart) => _localPart.GetValueOrDefault(localPart);

    /// <summary>The <c>@D</c> route; the argument case-folded.</summary>
    public Route? FindDomain(string domain) => _domain.GetValueOrDefault(domain);
}
