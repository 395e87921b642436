using System.Collections.Immutable;
using Postmaster.Config;

namespace Postmaster.Routing;

/// <summary>One line of the routing table: a key and its targets, with where it was written.</summary>
public sealed record Route(RouteKey Key, ImmutableArray<Target> Targets, SourceLocation Where)
{
    public override string ToString() => $"{Key} -> {string.Join(", ", Targets)}";
}
