using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Platform;
using Postmaster.Routing;

namespace Postmaster.Tests.Routing;

/// <summary>Builds routing tables from values (no parser) and renders resolutions as one readable line.</summary>
internal static class RoutingFixtures
{
    public const string FileName = "test.cf";
    public const string Hostname = "mx.example.net";

    /// <summary>joe, alice, root and a mixed-case "Bob"; nobody else exists.</summary>
    public static readonly FakeUserDatabase Users = new(
        new SystemUser("joe", 1000, 1000, "/home/joe", "/bin/sh"),
        new SystemUser("alice", 1001, 1001, "/home/alice/", "/bin/sh"),
        new SystemUser("Bob", 1002, 1002, "/home/Bob", "/bin/sh"),
        new SystemUser("root", 0, 0, "/root", "/bin/sh"));

    public static readonly Target DefaultLocalMailer = new Target.Maildir("~/Maildir/");

    /// <summary>A route written on line <paramref name="line"/> of test.cf; the key as in the file
    /// (<c>L@D</c>, <c>L@</c>, <c>@D</c>, <c>@</c>), stored case-folded as the parser does.</summary>
    public static Route R(int line, string key, params Target[] targets)
    {
        int at = key.LastIndexOf('@');
        string? local = at > 0 ? key[..at].ToLowerInvariant() : null;
        string? domain = at < key.Length - 1 ? key[(at + 1)..].ToLowerInvariant() : null;
        return new Route(new RouteKey(local, domain), [.. targets], new SourceLocation(FileName, line, 1));
    }

    public static RouteTable Table(params Route[] routes) => new(routes);

    public static RouteResolver Resolver(RouteTable table, Target? localMailer = null) =>
        new(table, Hostname, localMailer ?? DefaultLocalMailer, Users);

    public static Target User(string name) => new Target.LocalUser(name);
    public static Target To(string address) => new Target.Rewrite(Mailbox.Parse(address));
    public static Target Alias(string domain) => new Target.DomainAlias(domain);
    public static Target Mx => new Target.Relay([]);
    public static Target Pipe(string command) => new Target.Pipe(command);
    public static Target Maildir(string path) => new Target.Maildir(path);
    public static Target Mbox(string path) => new Target.Mbox(path);

    /// <summary><c>relay(host, host:port)</c>; hosts written as in the configuration (IPv6 without brackets here).</summary>
    public static Target Relay(params string[] hosts) => new Target.Relay([.. hosts.Select(h =>
    {
        int colon = h.LastIndexOf(':');
        return colon > 0 && !h[..colon].Contains(':') ? new RelayHost(h[..colon], int.Parse(h[(colon + 1)..])) : new RelayHost(h, RelayHost.SmtpPort);
    })]);

    /// <summary>Per final target <c>recipient mailer</c> (plus <c>+ext</c> when an extension was split off),
    /// joined by <c>; </c>; or the failure kind.</summary>
    public static string Render(Resolution resolution) => resolution.Failure is { } failure
        ? failure.Kind.ToString()
        : string.Join("; ", resolution.Targets.Select(t => $"{t.Recipient} {t.Mailer}{(t.Extension is null ? "" : $" +{t.Extension}")}"));

    public static string Resolve(RouteResolver resolver, string address) => Render(resolver.Resolve(Mailbox.Parse(address)));
}
