using System.Collections.Frozen;
using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Platform;

namespace Postmaster.Routing;

/// <summary>Resolves recipient addresses through a <see cref="RouteTable"/> (DESIGN.md §2).</summary>
/// <remarks>Immutable after construction: <see cref="Resolve"/> may run on many threads at once, and a
/// reload builds a new resolver. Resolution never throws; every outcome is a <see cref="Resolution"/>.</remarks>
public sealed class RouteResolver
{
    /// <summary>DESIGN.md §2: rewrites nest up to 20 levels.</summary>
    public const int MaxDepth = 20;

    /// <summary>RFC 5321 §4.5.1: every local domain must accept postmaster; the table may route it elsewhere.</summary>
    internal const string PostmasterRule = "postmaster@ -> root (RFC 5321 §4.5.1)";

    const string Localhost = "localhost";

    readonly FrozenSet<string> _localDomains;

    public RouteResolver(RouteTable table, string hostname, Target localMailer, IUserDatabase users)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(hostname);
        ArgumentNullException.ThrowIfNull(localMailer);
        ArgumentNullException.ThrowIfNull(users);
        if (!localMailer.IsMailer)
            throw new ArgumentException($"the local-mailer must be a mailer, not \"{localMailer}\"", nameof(localMailer));
        Table = table;
        Hostname = NormalizeDomain(hostname);
        LocalMailer = localMailer;
        Users = users;
        _localDomains = table.KeyDomains.Append(Hostname).Append(Localhost).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    internal RouteTable Table { get; }

    /// <summary>The <c>hostname</c> setting, lower-cased.</summary>
    internal string Hostname { get; }

    internal Target LocalMailer { get; }

    internal IUserDatabase Users { get; }

    /// <summary>The domains named in route keys, <c>hostname</c> and <c>localhost</c> (compared case-insensitively).</summary>
    public IReadOnlySet<string> LocalDomains => _localDomains;

    public bool IsLocalDomain(string domain)
    {
        if (string.IsNullOrEmpty(domain))
            return false;
        if (_localDomains.Contains(domain))
            return true;
        // A caller may hold the Unicode form or a trailing root dot; keys hold the normalized form.
        return Mailbox.TryNormalizeDomain(domain.TrimEnd('.'), out string? normalized, out _) && _localDomains.Contains(normalized);
    }

    /// <summary>Follows <paramref name="address"/> through the table to the mailers that take it.</summary>
    public Resolution Resolve(Mailbox address)
    {
        ArgumentNullException.ThrowIfNull(address);
        bool needsTrustedClient = !_localDomains.Contains(address.Domain);
        var walk = new RouteWalk(this, MaxDepth, RouteWalk.Mode.Resolve);
        return walk.Run(address)
            ? new Resolution(address, needsTrustedClient, walk.Targets, null)
            : new Resolution(address, needsTrustedClient, [], walk.Failures[0]);
    }

    /// <summary>The loops check-config can see without mail (DESIGN.md §2), as configuration errors.</summary>
    public IReadOnlyList<ConfigError> FindLoops() => RouteLoopFinder.FindLoops(this);

    /// <summary>One lookup of the five steps of DESIGN.md §2 plus the postmaster rule; <c>null</c>: no route.</summary>
    /// <remarks>The default route <c>@</c> serves only domains that are not local (see man/postmaster.cf.5).</remarks>
    /// <remarks>With an extension (<c>joe+list@D</c>) each step is tried for the whole local part, then
    /// for the base (<c>joe</c>) before the next step.</remarks>
    internal RouteMatch? Lookup(Mailbox address)
    {
        string folded = address.LocalPart.ToLowerInvariant();   // one char for one char: indexes agree
        string domain = address.Domain;
        int plus = folded.IndexOf('+');
        string? foldedBase = plus > 0 ? folded[..plus] : null;
        string? extension = plus > 0 ? address.LocalPart[(plus + 1)..] : null;
        bool isLocal = _localDomains.Contains(domain);

        // 1. L@D
        if (Table.FindExact(folded, domain) is { } exact)
            return FromRoute(address, exact, null);
        if (foldedBase is not null && Table.FindExact(foldedBase, domain) is { } exactBase)
            return FromRoute(address, exactBase, extension);

        // 2. L@ at a local domain
        if (isLocal && Table.FindLocalPart(folded) is { } localPart)
            return FromRoute(address, localPart, null);
        if (isLocal && foldedBase is not null && Table.FindLocalPart(foldedBase) is { } localPartBase)
            return FromRoute(address, localPartBase, extension);

        // 3. @D
        if (Table.FindDomain(domain) is { } wholeDomain)
            return FromRoute(address, wholeDomain, null);

        // RFC 5321 §4.5.1: postmaster at every local domain, unless the table routes it (steps 1-3).
        if (isLocal && (folded == "postmaster" || foldedBase == "postmaster"))
        {
            var step = new RouteStep(address, null, PostmasterRule);
            return new RouteMatch(step, [new Target.LocalUser("root")], folded == "postmaster" ? null : extension, null);
        }

        // 4. passwd users at the machine's own names
        if (domain == Hostname || domain == Localhost)
        {
            if (FindPasswdUser(address.LocalPart, folded) is { } user)
                return FromPasswd(address, user, null);
            if (plus > 0 && FindPasswdUser(address.LocalPart[..plus], foldedBase!) is { } baseUser)
                return FromPasswd(address, baseUser, extension);
        }

        // 5. @, for foreign domains only: an unknown user at a local domain has no route (550 5.1.1).
        // Sending it to the smart hosts would bring it back to us, or bounce it to a forged sender.
        if (!isLocal && Table.Default is { } fallback)
            return FromRoute(address, fallback, null);

        return null;
    }

    static RouteMatch FromRoute(Mailbox address, Route route, string? extension) =>
        new(new RouteStep(address, route, route.ToString()), route.Targets, extension, null);

    static RouteMatch FromPasswd(Mailbox address, SystemUser user, string? extension) =>
        new(new RouteStep(address, null, $"passwd user {user.Name}"), [new Target.LocalUser(user.Name)], extension, user);

    /// <summary>getpwnam with the local part as written, then lower-cased.</summary>
    SystemUser? FindPasswdUser(string asWritten, string folded)
    {
        SystemUser? user = Users.Find(asWritten);
        if (user is null && folded != asWritten)
            user = Users.Find(folded);
        return user;
    }

    static string NormalizeDomain(string domain)
    {
        string trimmed = domain.Trim().TrimEnd('.');
        return Mailbox.TryNormalizeDomain(trimmed, out string? normalized, out _) ? normalized : trimmed.ToLowerInvariant();
    }
}
