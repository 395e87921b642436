using System.Collections.Immutable;
using Postmaster.Mail;
using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>Parses the right-hand side of a route and the <c>local-mailer</c> value (DESIGN.md §2, "Targets"):
/// <c>joe</c>, <c>jane@example.org</c>, <c>@example.net</c>, <c>relay</c>, <c>relay(h1, h2:587)</c>,
/// <c>pipe(command)</c>, <c>maildir(path)</c>, <c>mbox(path)</c>. Reports at most one problem per target.</summary>
internal static class TargetParser
{
    public static readonly ImmutableArray<string> MailerNames = ["relay", "pipe", "maildir", "mbox"];

    /// <summary>Targets separated by commas at parenthesis depth 0; <c>null</c> when any of them is bad.</summary>
    public static ImmutableArray<Target>? ParseList(LocatedText value, ICollection<ConfigError> errors)
    {
        var targets = ImmutableArray.CreateBuilder<Target>();
        bool ok = true;
        foreach (LocatedText item in value.SplitTopLevel())
        {
            LocatedText trimmed = item.Trim();
            if (trimmed.IsEmpty)
            {
                errors.Add(new ConfigError(item.EmptyItemWhere(), "empty target"));
                ok = false;
            }
            else if (Parse(trimmed, errors) is { } target)
                targets.Add(target);
            else
                ok = false;
        }
        return ok ? targets.ToImmutable() : null;
    }

    /// <summary>One trimmed, non-empty target.</summary>
    public static Target? Parse(LocatedText item, ICollection<ConfigError> errors)
    {
        int open = item.IndexOf('('), close = item.IndexOf(')');
        string? problem;
        SourceLocation where = item.Where;
        Target? target = null;
        if (close >= 0 && (open < 0 || close < open))
            (problem, where) = ("unexpected \")\"", item.At(close));
        else if (open < 0)
            target = ParseAddressOrUser(item.Text, out problem);
        else
            target = ParseMailer(item, open, out problem, ref where);

        if (target is null)
        {
            errors.Add(new ConfigError(where, problem ?? $"bad target \"{item}\""));
            return null;
        }
        return target with { Where = item.Where };
    }

    // name "(" argument ")": the argument runs to the matching parenthesis, so a pipe command may contain
    // commas and balanced parentheses without quoting.
    static Target? ParseMailer(LocatedText item, int open, out string? problem, ref SourceLocation where)
    {
        int close = MatchingParenthesis(item.Span, open);
        LocatedText name = item.Slice(0, open).Trim();
        LocatedText after = close < 0 ? default : item.Slice(close + 1).Trim();
        problem = null;
        if (close < 0)
            (problem, where) = ("missing \")\"", item.At(open));
        else if (!after.IsEmpty)
            (problem, where) = ("unexpected text after \")\"", after.Where);
        else if (name.IsEmpty || name.Span.ContainsAnyExcept(MailerNameCharacters))
            problem = $"bad target \"{item}\"";
        else if (!MailerNames.Contains(name.Text))
            (problem, where) = ($"unknown mailer \"{name}\"{Spelling.Hint(name.Text, MailerNames)}", name.Where);
        if (problem is not null)
            return null;

        LocatedText argument = item.Slice(open + 1, close - open - 1).Trim();
        return name.Text switch
        {
            "relay" => ParseRelay(item, argument, out problem, ref where),
            "pipe" => argument.IsEmpty ? Fail("pipe: empty command", out problem) : new Target.Pipe(argument.Text),
            "maildir" => ParseMailboxPath(argument, "maildir", out problem, ref where) is { } path ? new Target.Maildir(path) : null,
            _ => ParseMailboxPath(argument, "mbox", out problem, ref where) is { } path ? new Target.Mbox(path) : null,
        };
    }

    static readonly System.Buffers.SearchValues<char> MailerNameCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    /// <summary><c>relay(host[:port], ..., key=value, ...)</c>: smart hosts in order of preference, port 25 by
    /// default (RFC 5321 §4.5.4.2 allows a configured relay instead of MX lookups), and options
    /// (<see cref="RelayOptions"/>); options alone mean MX delivery with those options.</summary>
    static Target? ParseRelay(LocatedText item, LocatedText argument, out string? problem, ref SourceLocation where)
    {
        problem = null;
        if (argument.IsEmpty)
            return Fail("relay(): no hosts; write \"relay\" for MX delivery", out problem);

        var hosts = ImmutableArray.CreateBuilder<RelayHost>();
        var options = new RelayOptionsBuilder();
        foreach (LocatedText part in argument.SplitTopLevel())
        {
            LocatedText host = part.Trim();
            if (host.IsEmpty)
                (problem, where) = ("relay: empty host", part.EmptyItemWhere());
            else if (host.IndexOf('=') >= 0)
                problem = options.Add(host, ref where);
            else if (TryParseRelayHost(host.Text, out RelayHost relayHost, out problem))
                hosts.Add(relayHost);
            else
                (problem, where) = ($"relay: {problem}", host.Where);
            if (problem is not null)
                return null;
        }
        return new Target.Relay(hosts.ToImmutable(), options.Build());
    }

    /// <summary>Collects <c>tls=</c> and <c>auth=</c>, each at most once.</summary>
    sealed class RelayOptionsBuilder
    {
        RelayTls? _tls;
        bool? _allowCleartextAuth;

        /// <summary>One <c>key=value</c> item; null, or the problem (and <paramref name="where"/> it is).</summary>
        public string? Add(LocatedText option, ref SourceLocation where)
        {
            int equals = option.IndexOf('=');
            LocatedText key = option.Slice(0, equals).Trim(), value = option.Slice(equals + 1).Trim();
            where = key.IsEmpty ? option.Where : key.Where;
            switch (key.Text)
            {
                case "":
                    return $"relay: option \"{option}\" has no name; options are tls= and auth=";
                case "tls" when _tls is not null:
                case "auth" when _allowCleartextAuth is not null:
                    return $"relay: option {key} given twice";
                case "tls":
                    return Word(value, key.Text, RelayOptions.TlsWords, ref where, out int tls) ?? Set(ref _tls, (RelayTls)tls);
                case "auth":
                    return Word(value, key.Text, RelayOptions.AuthWords, ref where, out int auth) ?? Set(ref _allowCleartextAuth, auth == 1);
                default:
                    return $"relay: unknown option \"{key}\"{Spelling.Hint(key.Text, RelayOptions.Names)}; options are tls= and auth=";
            }
        }

        public RelayOptions Build() => new(_tls ?? RelayTls.Opportunistic, _allowCleartextAuth ?? false);

        static string? Set<T>(ref T? field, T value) where T : struct
        {
            field = value;
            return null;
        }

        static string? Word(LocatedText value, string key, string[] words, ref SourceLocation where, out int index)
        {
            index = Array.IndexOf(words, value.Text);
            if (index >= 0)
                return null;
            string allowed = string.Join(", ", words[..^1]) + " or " + words[^1];
            if (value.IsEmpty)
                return $"relay: {key}= needs a value: {allowed}";
            where = value.Where;
            return $"relay: {key} must be {allowed}, not \"{value}\"{Spelling.Hint(value.Text, words)}";
        }
    }

    /// <summary><c>name[:port]</c>, <c>IPv4[:port]</c> or <c>[IPv6][:port]</c>; an IPv6 address only in brackets.</summary>
    public static bool TryParseRelayHost(string text, out RelayHost host, out string? problem)
    {
        host = default;
        if (!ValueSyntax.TrySplitHostPort(text, RelayHost.SmtpPort, out string name, out int port, out problem))
            return false;
        if (text.StartsWith('['))
            name = System.Net.IPAddress.Parse(name).ToString();   // already checked; canonical form
        else if (!ValueSyntax.TryParseHostName(name, out string? normalized, out problem))
            return false;
        else
            name = normalized;
        host = new RelayHost(name, port);
        return true;
    }

    /// <summary>The path of <c>maildir(...)</c> or <c>mbox(...)</c>: absolute, or under the user's home
    /// (<c>~</c>, <c>~/...</c>); <c>$USER</c> may appear anywhere and is expanded per recipient.</summary>
    static string? ParseMailboxPath(LocatedText argument, string mailer, out string? problem, ref SourceLocation where)
    {
        string path = argument.Text;
        problem = path.Length == 0 ? $"{mailer}: empty path"
            : path.StartsWith('/') || path == "~" || path.StartsWith("~/") ? null
            : $"{mailer}: path must be absolute or start with ~/";
        if (problem is not null && path.Length > 0)
            where = argument.Where;
        return problem is null ? path : null;
    }

    // "@domain" is a domain alias, "local@domain" a rewrite; a bare word is a local user, except "relay",
    // which means delivery to the domain's MX hosts (RFC 5321 §5.1).
    static Target? ParseAddressOrUser(string text, out string? problem)
    {
        problem = null;
        if (text == "relay")
            return new Target.Relay([]);
        if (text[0] == '@')
        {
            if (Mailbox.TryNormalizeDomain(text[1..], out string? domain, out problem))
                return new Target.DomainAlias(domain);
            return Fail($"bad domain alias \"{text}\": {problem}", out problem);
        }
        if (text.Contains('@'))
        {
            if (Mailbox.TryParse(text, out Mailbox? address, out problem))
                return new Target.Rewrite(address);
            return Fail($"bad address \"{text}\": {problem}", out problem);
        }
        return ValueSyntax.IsUserName(text) ? new Target.LocalUser(text) : null;
    }

    /// <summary>The index of the parenthesis that closes the one at <paramref name="open"/>, or -1.</summary>
    static int MatchingParenthesis(ReadOnlySpan<char> text, int open)
    {
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '(')
                depth++;
            else if (text[i] == ')' && --depth == 0)
                return i;
        }
        return -1;
    }

    static Target? Fail(string message, out string? problem)
    {
        problem = message;
        return null;
    }
}
