using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Platform;

namespace Postmaster.Routing;

/// <summary>Resolves recipient addresses through a <see cref="RouteTable"/> (DESIGN.md §2).</summary>
public sealed class RouteResolver
{
    /// <summary>DESIGN.md §2: rewrites nest up to 20 levels.</summary>
    public const int MaxDepth = 20;

    public RouteResolver(RouteTable table, string hostname, Target localMailer, IUserDatabase users)
    {
        throw new NotImplementedException("being written");
    }

    public IReadOnlySet<string> LocalDomains => throw new NotImplementedException();

    public bool IsLocalDomain(string domain) => throw new NotImplementedException();

    public Resolution Resolve(Mailbox address) => throw new NotImplementedException();

    /// <summary>The loops check-config can see without mail (DESIGN.md §2), as configuration errors.</summary>
    public IReadOnlyList<ConfigError> FindLoops() => throw new NotImplementedException();
}
