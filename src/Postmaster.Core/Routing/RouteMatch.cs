using System.Collections.Immutable;
using Postmaster.Platform;

namespace Postmaster.Routing;

/// <summary>The rule that matched one address: the step to record and the targets it names.</summary>
/// <param name="Extension">Set when the rule matched the base of <c>base+extension</c>.</param>
/// <param name="User">For the passwd step, the entry already looked up.</param>
internal sealed record RouteMatch(RouteStep Step, ImmutableArray<Target> Targets, string? Extension, SystemUser? User);
