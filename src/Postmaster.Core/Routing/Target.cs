using System.Collections.Immutable;
using Postmaster.Config;

namespace Postmaster.Routing;

/// <summary>One target on the right-hand side of a route (DESIGN.md §2, "Targets").</summary>
/// <remarks>
/// Three targets send the address back through the table (<see cref="LocalUser"/> is resolved by the
/// local mailer, <see cref="Rewrite"/> and <see cref="DomainAlias"/> by another lookup); the others are
/// mailers that end the resolution. <see cref="object.ToString"/> gives the canonical text, which is also
/// valid configuration syntax.
/// </remarks>
public abstract record Target
{
    /// <summary>Where the target was written; <c>default</c> for targets the program made up.</summary>
    public SourceLocation Where { get; init; }

    /// <summary>Whether this target ends a resolution (a mailer) rather than naming another address.</summary>
    public virtual bool IsMailer => true;

    /// <summary>The mailer's name as the administrator writes it, for messages and <c>check-config</c>.</summary>
    public abstract string MailerName { get; }

    /// <summary><c>joe</c>: the local user joe, delivered by the <c>local-mailer</c> setting.</summary>
    public sealed record LocalUser(string User) : Target
    {
        public override bool IsMailer => false;
        public override string MailerName => "local";
        public override string ToString() => User;
    }

    /// <summary><c>jane@example.org</c>: route that address instead.</summary>
    public sealed record Rewrite(Mail.Mailbox Address) : Target
    {
        public override bool IsMailer => false;
        public override string MailerName => "rewrite";
        public override string ToString() => Address.ToString();
    }

    /// <summary><c>@example.net</c>: keep the local part, replace the domain, route again.</summary>
    public sealed record DomainAlias(string Domain) : Target
    {
        public override bool IsMailer => false;
        public override string MailerName => "domain alias";
        public override string ToString() => "@" + Domain;
    }

    /// <summary><c>relay(h1, h2:587)</c>: smart hosts in order of preference; none means the domain's MX hosts.
    /// <see cref="Options"/> come after the hosts: <c>relay(h1:587, tls=verify)</c>, <c>relay(tls=require)</c>.</summary>
    public sealed record Relay(ImmutableArray<RelayHost> Hosts, RelayOptions Options) : Target
    {
        public Relay(ImmutableArray<RelayHost> hosts) : this(hosts, RelayOptions.Default)
        {
        }

        public bool UsesMx => Hosts.IsEmpty;
        public override string MailerName => "relay";

        /// <summary><c>relay</c>, <c>relay(tls=verify)</c>, <c>relay(h1:25, h2:587)</c>, <c>relay(h1:587, tls=require)</c>.</summary>
        public override string ToString()
        {
            string options = Options.ToString();
            string inside = string.Join(", ", Hosts.Select(h => h.ToString()).Append(options).Where(s => s.Length > 0));
            return inside.Length == 0 ? "relay" : $"relay({inside})";
        }

        public bool Equals(Relay? other) => other is not null && Hosts.SequenceEqual(other.Hosts) && Options == other.Options;
        public override int GetHashCode() => HashCode.Combine(Hosts.Length, Options);
    }

    /// <summary><c>pipe(command line)</c>: run through <c>/bin/sh -c</c>, message on stdin, envelope in the environment.</summary>
    public sealed record Pipe(string Command) : Target
    {
        public override string MailerName => "pipe";
        public override string ToString() => $"pipe({Command})";
    }

    /// <summary><c>maildir(path)</c>: the built-in Maildir writer.</summary>
    public sealed record Maildir(string Path) : Target
    {
        public override string MailerName => "maildir";
        public override string ToString() => $"maildir({Path})";
    }

    /// <summary><c>mbox(path)</c>: the built-in mbox writer.</summary>
    public sealed record Mbox(string Path) : Target
    {
        public override string MailerName => "mbox";
        public override string ToString() => $"mbox({Path})";
    }
}
