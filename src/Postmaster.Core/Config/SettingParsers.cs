using System.Collections.Immutable;
using System.Net;
using Postmaster.Mail;
using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>Parses one setting's value (trimmed, non-empty). Reports every problem through the context and
/// returns false when there was one.</summary>
internal delegate bool ValueParser<T>(LocatedText value, SettingContext context, out T result);

/// <summary>The value parsers of the settings table (notes/config-format.md, "Settings"), one per kind of value.</summary>
internal static class SettingParsers
{
    /// <summary>A domain name; an address literal is no host name (RFC 5321 §4.1.3 literals are for addresses).</summary>
    public static bool Hostname(LocatedText value, SettingContext context, out string result)
    {
        result = "";
        string text = value.Text;
        if (text.StartsWith('['))
            return context.Fail(value.Where, $"expected a domain name, not the address literal \"{text}\"");
        if (!Mailbox.TryNormalizeDomain(text, out string? domain, out string? problem))
            return context.Fail(value.Where, problem);
        result = domain;
        return true;
    }

    /// <summary>A comma-separated list; every item is checked, so one run reports every bad item.</summary>
    public static ValueParser<ImmutableArray<T>> List<T>(ValueParser<T> parseItem) =>
        (LocatedText value, SettingContext context, out ImmutableArray<T> result) =>
        {
            var items = ImmutableArray.CreateBuilder<T>();
            bool ok = true;
            foreach (LocatedText item in value.SplitTopLevel())
            {
                LocatedText trimmed = item.Trim();
                if (trimmed.IsEmpty)
                    ok = context.Fail(item.EmptyItemWhere(), "empty list item");
                else if (parseItem(trimmed, context, out T parsed))
                    items.Add(parsed);
                else
                    ok = false;
            }
            result = items.ToImmutable();
            return ok;
        };

    /// <summary><c>IPv4:port</c> or <c>[IPv6]:port</c>: a listener needs its port written out.</summary>
    public static bool ListenEndpoint(LocatedText value, SettingContext context, out IPEndPoint result) =>
        Endpoint(value, context, defaultPort: null, out result);

    /// <summary>A DNS server: an IP address, <c>IPv4:port</c> or <c>[IPv6]:port</c>, port 53 by default (RFC 1035 §4.2).</summary>
    public static bool DnsServer(LocatedText value, SettingContext context, out IPEndPoint result) =>
        Endpoint(value, context, defaultPort: 53, out result);

    static bool Endpoint(LocatedText value, SettingContext context, int? defaultPort, out IPEndPoint result)
    {
        result = null!;
        if (ValueSyntax.TryParseEndpoint(value.Text, defaultPort, out IPEndPoint? endpoint, out string? problem))
        {
            result = endpoint;
            return true;
        }
        return context.Fail(value.Where, problem);
    }

    /// <summary><c>off</c> or an endpoint (the web admin).</summary>
    public static bool EndpointOrOff(LocatedText value, SettingContext context, out IPEndPoint? result)
    {
        result = null;
        if (ValueSyntax.IsWord(value.Text, "off"))
            return true;
        bool ok = ListenEndpoint(value, context, out IPEndPoint endpoint);
        result = ok ? endpoint : null;
        return ok;
    }

    public static bool AbsolutePath(LocatedText value, SettingContext context, out string result)
    {
        result = value.Text;
        return ValueSyntax.IsAbsolutePath(result) || context.Fail(value.Where, $"path must be absolute, not \"{result}\"");
    }

    /// <summary>An absolute path to a file this process can read.</summary>
    public static bool ReadableFile(LocatedText value, SettingContext context, out string result) =>
        AbsolutePath(value, context, out result)
        && (FileChecks.ReadProblem(result) is not { } problem || context.Fail(value.Where, problem));

    /// <summary>An absolute path to a readable file that only its owner may access (it holds passwords).</summary>
    public static bool PrivateFile(LocatedText value, SettingContext context, out string result) =>
        AbsolutePath(value, context, out result)
        && (FileChecks.PrivateProblem(result) is not { } problem || context.Fail(value.Where, problem));

    /// <summary><c>auto</c> (<c>null</c>) or a readable file.</summary>
    public static bool FileOrAuto(LocatedText value, SettingContext context, out string? result)
    {
        result = null;
        if (ValueSyntax.IsWord(value.Text, "auto"))
            return true;
        if (!ValueSyntax.IsAbsolutePath(value.Text))
            return context.Fail(value.Where, $"expected auto or an absolute path, not \"{value}\"");
        bool ok = ReadableFile(value, context, out string path);
        result = ok ? path : null;
        return ok;
    }

    /// <summary>A user name (syntax of <see cref="ValueSyntax.IsUserName"/>) that getpwnam knows.</summary>
    public static bool User(LocatedText value, SettingContext context, out string? result)
    {
        result = value.Text;
        if (!ValueSyntax.IsUserName(result))
            return context.Fail(value.Where, $"bad user name \"{result}\"");
        if (context.Users.Find(result) is null)
            return context.Report(value.Where, $"no such user \"{result}\"");
        return true;
    }

    /// <summary>Exactly one target, and a mailer: a local user or an address would send the lookup in circles.</summary>
    public static bool LocalMailer(LocatedText value, SettingContext context, out Target result)
    {
        result = null!;
        List<LocatedText> items = value.SplitTopLevel();
        if (items.Count > 1)
            return context.Fail(items[1].Trim().Where, "exactly one target expected");
        if (TargetParser.Parse(value, context.Errors) is not { } target)
            return false;
        if (!target.IsMailer)
            return context.Fail(value.Where, $"must be a mailer (relay, pipe, maildir or mbox), not \"{target}\"");
        result = target;
        return true;
    }

    /// <summary><c>none</c> or a list of networks.</summary>
    public static bool TrustedNetworks(LocatedText value, SettingContext context, out ImmutableArray<IPNetwork> result)
    {
        result = [];
        return ValueSyntax.IsWord(value.Text, "none") || List<IPNetwork>(Network)(value, context, out result);
    }

    static bool Network(LocatedText value, SettingContext context, out IPNetwork result) =>
        ValueSyntax.TryParseNetwork(value.Text, out result, out string? problem) || context.Fail(value.Where, problem);

    public static bool Size(LocatedText value, SettingContext context, out long result) =>
        ValueSyntax.TryParseSize(value.Text, out result, out string? problem) || context.Fail(value.Where, problem);

    /// <summary>A whole number of at least <paramref name="minimum"/>; <paramref name="belowMinimum"/> is the
    /// whole message when it is lower (so it can cite the RFC).</summary>
    public static ValueParser<int> Count(int minimum, string? belowMinimum = null) =>
        (LocatedText value, SettingContext context, out int result) =>
        {
            if (!ValueSyntax.TryParseCount(value.Text, out result, out string? problem))
                return context.Fail(value.Where, problem);
            if (result >= minimum)
                return true;
            return belowMinimum is null ? context.Fail(value.Where, $"must be at least {minimum}")
                : context.Report(value.Where, belowMinimum);
        };

    /// <summary>A duration greater than 0.</summary>
    public static bool PositiveDuration(LocatedText value, SettingContext context, out TimeSpan result)
    {
        if (!ValueSyntax.TryParseDuration(value.Text, out result, out string? problem))
            return context.Fail(value.Where, problem);
        return result > TimeSpan.Zero || context.Fail(value.Where, $"\"{value}\" must be longer than 0");
    }

    /// <summary>Warns below 4 days: RFC 5321 §4.5.4.1 says to give up only after at least 4-5 days.</summary>
    public static bool QueueLifetime(LocatedText value, SettingContext context, out TimeSpan result)
    {
        if (!PositiveDuration(value, context, out result))
            return false;
        if (result < TimeSpan.FromDays(4))
            context.Warn(value.Where, $"{value} is shorter than the 4-5 days of RFC 5321 §4.5.4.1");
        return true;
    }

    /// <summary><c>off</c> (<c>null</c>) or a duration greater than 0.</summary>
    public static bool DurationOrOff(LocatedText value, SettingContext context, out TimeSpan? result)
    {
        result = null;
        if (ValueSyntax.IsWord(value.Text, "off"))
            return true;
        bool ok = PositiveDuration(value, context, out TimeSpan duration);
        result = ok ? duration : null;
        return ok;
    }

    /// <summary>One of a few words, case-insensitive; the error lists them: <c>expected off, tag or reject</c>.</summary>
    public static ValueParser<T> Word<T>(params (string Word, T Value)[] words) =>
        (LocatedText value, SettingContext context, out T result) =>
        {
            foreach ((string word, T meaning) in words)
            {
                if (ValueSyntax.IsWord(value.Text, word))
                {
                    result = meaning;
                    return true;
                }
            }
            result = default!;
            string allowed = string.Join(", ", words[..^1].Select(w => w.Word)) + " or " + words[^1].Word;
            return context.Fail(value.Where, $"expected {allowed}, not \"{value}\"");
        };
}
