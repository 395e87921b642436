using System.Collections.Immutable;
using Postmaster.Mail;

namespace Postmaster.Routing;

/// <summary>What the routing table says about one recipient address.</summary>
/// <param name="Address">The address asked about, as given.</param>
/// <param name="NeedsTrustedClient">Accepting it relays for a foreign domain: only trusted or
/// authenticated clients may (DESIGN.md §2, relay authorization).</param>
/// <param name="Targets">Every place the message goes; empty when <paramref name="Failure"/> is set.</param>
public sealed record Resolution(
    Mailbox Address,
    bool NeedsTrustedClient,
    ImmutableArray<FinalTarget> Targets,
    ResolutionFailure? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>One delivery the routing table asks for: a recipient address and the mailer that takes it.</summary>
/// <param name="Recipient">The address after rewrites, the one the mailer delivers to.</param>
/// <param name="Mailer">A mailer target (relay, pipe, maildir, mbox); for a local user, the
/// <c>local-mailer</c> with <c>~</c> and <c>$USER</c> expanded.</param>
/// <param name="User">The system user for a local-user target that exists in passwd (deliveries run as them).</param>
/// <param name="LocalUser">The user name of a local-user target, whether or not it is a system user.</param>
/// <param name="Extension">The address extension (after <c>+</c>) when a route matched the base address.</param>
/// <param name="Chain">The rules that led here, in the order they were applied.</param>
public sealed record FinalTarget(
    Mailbox Recipient,
    Target Mailer,
    Platform.SystemUser? User,
    string? LocalUser,
    string? Extension,
    ImmutableArray<RouteStep> Chain);

/// <summary>One rule applied during a resolution.</summary>
/// <param name="Address">The address that rule was looked up for.</param>
/// <param name="Route">The configured route; <c>null</c> for built-in rules (passwd users, postmaster).</param>
/// <param name="Description">The rule as shown by check-config, e.g. <c>@example.com -> @example.net</c>.</param>
public sealed record RouteStep(Mailbox Address, Route? Route, string Description)
{
    /// <summary><c>file:line</c> of the route, or <c>built-in</c>.</summary>
    public string Origin => Route?.Where.FileAndLine ?? "built-in";

    public override string ToString() => $"{Origin}: {Description}";
}

public enum ResolutionFailureKind
{
    /// <summary>No rule matches (RCPT: 550 5.1.1).</summary>
    NoRoute,
    /// <summary>A local-user target names a user who does not exist (RCPT: 550 5.1.1).</summary>
    NoSuchUser,
    /// <summary>Rewrites come back to an address already seen (RCPT: 550 5.4.6).</summary>
    Loop,
    /// <summary>More than <see cref="RouteResolver.MaxDepth"/> rewrites (RCPT: 550 5.4.6).</summary>
    TooDeep,
}

/// <summary>Why an address cannot be routed, and where in the chain that was found.</summary>
/// <param name="Address">The address (possibly after rewrites) that failed.</param>
/// <param name="Chain">The rules applied before the failure.</param>
public sealed record ResolutionFailure(
    ResolutionFailureKind Kind,
    Mailbox Address,
    string Message,
    ImmutableArray<RouteStep> Chain);
