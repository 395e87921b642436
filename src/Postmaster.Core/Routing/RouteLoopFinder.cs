using System.Collections.Immutable;
using Postmaster.Config;
using Postmaster.Mail;

namespace Postmaster.Routing;

/// <summary>The static loop check of check-config (DESIGN.md §2): resolves a probe address for every key and
/// reports each loop, and each rewrite chain deeper than <see cref="RouteResolver.MaxDepth"/>, once.</summary>
/// <remarks>
/// Probes: exact keys as written; <c>L@</c> at every local domain; <c>@D</c> with a local part no key
/// names; <c>@</c> with such a local part at a domain no key names. Messages show a probe's made-up local
/// part as the key form (<c>@a.example -> @b.example -> @a.example</c>). A loop is reported at the rule
/// of the cycle written first in the file, so the same cycle found from several probes is one error.
/// </remarks>
internal static class RouteLoopFinder
{
    const string ProbeName = "loop-probe";

    public static IReadOnlyList<ConfigError> FindLoops(RouteResolver resolver)
    {
        string probeLocalPart = FreshLocalPart(resolver.Table);
        var errors = new List<ConfigError>();
        var cyclesSeen = new HashSet<string>();
        var tooDeep = new List<ResolutionFailure>();
        string Render(Mailbox address) =>
            string.Equals(address.LocalPart, probeLocalPart, StringComparison.OrdinalIgnoreCase) ? "@" + address.Domain : address.ToString();

        foreach (Mailbox probe in Probes(resolver, probeLocalPart))
        {
            // Unlimited depth first, so a cycle longer than the limit is still reported as the loop it is.
            var loops = new RouteWalk(resolver, int.MaxValue, RouteWalk.Mode.Loops);
            loops.Run(probe);
            foreach (ResolutionFailure loop in loops.Failures)
            {
                if (LoopError(loop, Render) is { } found && cyclesSeen.Add(found.Identity))
                    errors.Add(found.Error);
            }
            if (loops.Failures.Count > 0)
                continue;
            var depth = new RouteWalk(resolver, RouteResolver.MaxDepth, RouteWalk.Mode.Depth);
            if (!depth.Run(probe))
                tooDeep.Add(depth.Failures[0]);
        }
        errors.AddRange(TooDeepErrors(tooDeep, Render));
        errors.Sort((a, b) => CompareLocations(a.Where, b.Where) is var c && c != 0 ? c : string.CompareOrdinal(a.Message, b.Message));
        return errors;
    }

    static IEnumerable<Mailbox> Probes(RouteResolver resolver, string probeLocalPart)
    {
        string[] localDomains = [.. resolver.LocalDomains.Order(StringComparer.Ordinal)];
        string probeDomain = FreshDomain(resolver);
        var seen = new HashSet<string>();
        foreach (Route route in resolver.Table.Routes)
        {
            RouteKey key = route.Key;
            IEnumerable<string> texts = key.Kind switch
            {
                RouteKeyKind.Exact => [$"{key.LocalPart}@{key.Domain}"],
                RouteKeyKind.LocalPart => localDomains.Select(d => $"{key.LocalPart}@{d}"),
                RouteKeyKind.Domain => [$"{probeLocalPart}@{key.Domain}"],
                _ => [$"{probeLocalPart}@{probeDomain}"],
            };
            foreach (string text in texts)
            {
                if (Mailbox.TryParse(text, out Mailbox? probe) && seen.Add(probe.Key))
                    yield return probe;
            }
        }
    }

    /// <summary>The cycle of a loop failure, turned to start at its rule written first.</summary>
    static (string Identity, ConfigError Error)? LoopError(ResolutionFailure loop, Func<Mailbox, string> render)
    {
        ImmutableArray<RouteStep> chain = loop.Chain;
        int start = 0;
        while (start < chain.Length && chain[start].Address.Key != loop.Address.Key)
            start++;
        if (start == chain.Length)
            return null;
        RouteStep[] cycle = [.. chain.Skip(start)];
        int first = 0;
        for (int i = 1; i < cycle.Length; i++)
        {
            if (cycle[i].Route is { } route && (cycle[first].Route is not { } best || CompareLocations(route.Where, best.Where) < 0))
                first = i;
        }
        RouteStep[] turned = [.. cycle.Skip(first), .. cycle.Take(first)];
        if (turned[0].Route is not { } startRule)
            return null;
        string identity = string.Join("|", turned.Select(s => s.Route?.Where.ToString() ?? s.Description));
        string path = string.Join(" -> ", turned.Select(s => render(s.Address)).Append(render(turned[0].Address)));
        return (identity, new ConfigError(startRule.Where, $"routing loop: {path}"));
    }

    /// <summary>One error per chain head: a chain that starts inside another too-deep chain is part of it.</summary>
    static IEnumerable<ConfigError> TooDeepErrors(List<ResolutionFailure> failures, Func<Mailbox, string> render)
    {
        var inner = new HashSet<Route>(ReferenceEqualityComparer.Instance);
        foreach (ResolutionFailure failure in failures)
        {
            foreach (RouteStep step in failure.Chain.Skip(1))
            {
                if (step.Route is not null)
                    inner.Add(step.Route);
            }
        }
        var reported = new HashSet<Route>(ReferenceEqualityComparer.Instance);
        foreach (ResolutionFailure failure in failures)
        {
            if (failure.Chain.IsEmpty || failure.Chain[0].Route is not { } head || inner.Contains(head) || !reported.Add(head))
                continue;
            string path = string.Join(" -> ", failure.Chain.Select(s => render(s.Address)).Append(render(failure.Address)));
            yield return new ConfigError(head.Where, $"rewrite chain longer than {RouteResolver.MaxDepth}: {path}");
        }
    }

    /// <summary>A local part that no key names, so a probe at <c>@D</c> matches only domain-wide rules.</summary>
    static string FreshLocalPart(RouteTable table)
    {
        var named = table.Routes.Where(r => r.Key.LocalPart is not null).Select(r => r.Key.LocalPart!).ToHashSet();
        for (int i = 1; ; i++)
        {
            string candidate = i == 1 ? ProbeName : $"{ProbeName}-{i}";
            if (!named.Contains(candidate))
                return candidate;
        }
    }

    /// <summary>A domain that is not local and no key names (RFC 2606 reserves <c>.invalid</c>).</summary>
    static string FreshDomain(RouteResolver resolver)
    {
        for (int i = 1; ; i++)
        {
            string candidate = i == 1 ? $"{ProbeName}.invalid" : $"{ProbeName}-{i}.invalid";
            if (!resolver.IsLocalDomain(candidate))
                return candidate;
        }
    }

    static int CompareLocations(SourceLocation a, SourceLocation b)
    {
        int c = string.CompareOrdinal(a.File, b.File);
        if (c == 0)
            c = a.Line.CompareTo(b.Line);
        return c != 0 ? c : a.Column.CompareTo(b.Column);
    }
}
