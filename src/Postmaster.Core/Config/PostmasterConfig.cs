using System.Collections.Immutable;
using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>One loaded configuration file: its routes and its settings. Immutable; SIGHUP builds a new one.</summary>
/// <param name="Path">The file it was read from, as given.</param>
/// <param name="ExplicitSettings">The settings the file writes, with where, in file order (for summaries).</param>
public sealed record PostmasterConfig(
    string Path,
    RouteTable Routes,
    Settings Settings,
    ImmutableArray<(string Name, SourceLocation Where)> ExplicitSettings);
