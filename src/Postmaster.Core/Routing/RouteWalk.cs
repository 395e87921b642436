using System.Collections.Immutable;
using Postmaster.Mail;
using Postmaster.Platform;

namespace Postmaster.Routing;

/// <summary>The state of one resolution: a depth-first walk from an address through rewrites and domain
/// aliases to mailers. Made per call, so the resolver itself stays immutable and thread-safe.</summary>
/// <remarks>
/// The addresses on the current path detect loops. Addresses already walked to the end are remembered with
/// the number of rewrites below them, so a table whose lists fan out again and again (a diamond 20 levels
/// deep) costs time in proportion to its size, not to the number of paths: reaching such an address again
/// can only add targets already delivered to, unless the deeper position would exceed the depth limit,
/// in which case the walk goes in again and finds the too-deep chain.
/// </remarks>
internal sealed class RouteWalk
{
    public enum Mode
    {
        /// <summary>Stop at the first failure (RCPT, check-config's address query).</summary>
        Resolve,
        /// <summary>No depth limit; record every loop and keep going; other failures end only their branch.</summary>
        Loops,
        /// <summary>Stop at the first chain deeper than the limit; other failures end only their branch.</summary>
        Depth,
    }

    readonly RouteResolver _resolver;
    readonly int _limit;
    readonly Mode _mode;
    readonly ImmutableArray<FinalTarget>.Builder _targets = ImmutableArray.CreateBuilder<FinalTarget>();
    readonly HashSet<(string Recipient, string Mailer)> _delivered = [];
    readonly Dictionary<string, int> _walked = [];      // address key -> rewrites below it
    readonly List<Mailbox> _path = [];
    readonly HashSet<string> _onPath = [];
    readonly List<RouteStep> _steps = [];

    public RouteWalk(RouteResolver resolver, int limit, Mode mode)
    {
        _resolver = resolver;
        _limit = limit;
        _mode = mode;
    }

    public ImmutableArray<FinalTarget> Targets => _targets.ToImmutable();

    public List<ResolutionFailure> Failures { get; } = [];

    /// <summary>Walks from <paramref name="address"/>; false when the walk stopped at a failure.</summary>
    public bool Run(Mailbox address) => Visit(address, 0, null, out _);

    bool Visit(Mailbox address, int depth, string? extension, out int height)
    {
        height = 0;
        string key = address.Key;
        if (_onPath.Contains(key))
            return Fail(ResolutionFailureKind.Loop, address, LoopMessage(key, address));
        if (depth > _limit)
            return Fail(ResolutionFailureKind.TooDeep, address,
                $"rewrite chain longer than {RouteResolver.MaxDepth}: {string.Join(" -> ", _path.Append(address))}");
        if (_walked.TryGetValue(key, out int known) && known <= _limit - depth)
        {
            height = known;
            return true;
        }

        RouteMatch? match = _resolver.Lookup(address);
        if (match is null)
            return Fail(ResolutionFailureKind.NoRoute, address, $"no route for \"{address}\"");

        _path.Add(address);
        _onPath.Add(key);
        _steps.Add(match.Step);
        string? ext = match.Extension ?? extension;
        bool go = true;
        foreach (Target target in match.Targets)
        {
            int below;
            switch (target)
            {
                case Target.Rewrite rewrite:
                    go = Visit(rewrite.Address, depth + 1, ext, out below);
                    height = Math.Max(height, below + 1);
                    break;
                case Target.DomainAlias alias:
                    go = Visit(address.WithDomain(alias.Domain.ToLowerInvariant()), depth + 1, ext, out below);
                    height = Math.Max(height, below + 1);
                    break;
                case Target.LocalUser user:
                    go = DeliverLocal(address, user.User, match.User, ext);
                    break;
                default:
                    go = DeliverToMailer(address, target, ext);
                    break;
            }
            if (!go)
                break;
        }
        _steps.RemoveAt(_steps.Count - 1);
        _onPath.Remove(key);
        _path.RemoveAt(_path.Count - 1);
        if (go)
            _walked[key] = height;
        return go;
    }

    /// <summary>A local-user target goes to the <c>local-mailer</c>, with <c>~</c> and <c>$USER</c> expanded.</summary>
    bool DeliverLocal(Mailbox address, string name, SystemUser? known, string? extension)
    {
        Target mailer = _resolver.LocalMailer;
        SystemUser? user = known is not null && known.Name == name ? known : _resolver.Users.Find(name);
        if (user is null && LocalMailerExpansion.NeedsHome(mailer))
            return Fail(ResolutionFailureKind.NoSuchUser, address, $"no such local user \"{name}\"");
        Target expanded = LocalMailerExpansion.Expand(mailer, name, user?.Home);
        Deliver(new FinalTarget(address, expanded, user, name, extension, [.. _steps]));
        return true;
    }

    /// <summary>A route's own mailer; <c>$USER</c> in a maildir or mbox path is the recipient's local part,
    /// which makes <c>@example.org maildir(/var/vmail/example.org/$USER/)</c> a set of virtual mailboxes.</summary>
    bool DeliverToMailer(Mailbox address, Target mailer, string? extension)
    {
        if (mailer is Target.Maildir or Target.Mbox && LocalMailerExpansion.UsesUser(mailer))
        {
            // The mailbox is named by the base of base+extension, whichever rule matched.
            string localPart = address.LocalPart.ToLowerInvariant();
            int plus = localPart.IndexOf('+');
            if (plus > 0)
            {
                extension ??= address.LocalPart[(plus + 1)..];
                localPart = localPart[..plus];
            }
            if (!LocalMailerExpansion.IsSafePathComponent(localPart))
                return Fail(ResolutionFailureKind.NoSuchUser, address, $"local part \"{address.LocalPart}\" cannot name a mailbox");
            mailer = LocalMailerExpansion.Expand(mailer, localPart, home: null);
        }
        Deliver(new FinalTarget(address, mailer, null, null, extension, [.. _steps]));
        return true;
    }

    void Deliver(FinalTarget target)
    {
        // The same mailer for the same recipient twice (a list naming one address twice, two rewrites
        // meeting again) is one delivery.
        if (_delivered.Add((target.Recipient.Key, target.Mailer.ToString())))
            _targets.Add(target);
    }

    /// <summary>Records a failure; returns whether the walk goes on.</summary>
    bool Fail(ResolutionFailureKind kind, Mailbox address, string message)
    {
        bool record = _mode switch
        {
            Mode.Loops => kind == ResolutionFailureKind.Loop,
            Mode.Depth => kind == ResolutionFailureKind.TooDeep,
            _ => true,
        };
        if (record)
            Failures.Add(new ResolutionFailure(kind, address, message, [.. _steps]));
        return _mode switch
        {
            Mode.Loops => true,
            Mode.Depth => kind != ResolutionFailureKind.TooDeep,
            _ => false,
        };
    }

    string LoopMessage(string key, Mailbox address)
    {
        int start = _path.FindIndex(a => a.Key == key);
        return $"routing loop: {string.Join(" -> ", _path.Skip(start).Append(address))}";
    }
}
