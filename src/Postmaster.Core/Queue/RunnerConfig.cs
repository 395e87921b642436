using Postmaster.Config;
using Postmaster.Routing;

namespace Postmaster.Queue;

/// <summary>The configuration one pass of the queue runner works with (swapped on reload).</summary>
/// <param name="Resolver">Routes bounces to the sender, or double bounces to the postmaster.</param>
public sealed record RunnerConfig(Settings Settings, RouteResolver Resolver);
