using System.Collections.Immutable;
using Postmaster.Platform;
using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>Turns the bytes of a <c>postmaster.cf</c> into routes and settings (format: man/postmaster.cf.5,
/// decisions: notes/config-format.md).</summary>
public static class ConfigParser
{
    /// <summary>Parses a whole file. Never throws on bad input: every problem goes to <paramref name="errors"/>,
    /// sorted by line and column, and an entry with a problem contributes nothing.</summary>
    /// <param name="fileName">Used in error locations, as given.</param>
    /// <param name="users">For the <c>user</c> setting's existence check.</param>
    /// <param name="defaultHostname">Called only when the file sets no <c>hostname</c>.</param>
    public static PostmasterConfig Parse(ReadOnlySpan<byte> text, string fileName, IUserDatabase users,
        Func<string> defaultHostname, ICollection<ConfigError> errors)
    {
        var found = new List<ConfigError>();
        var state = new ParseState(new SettingContext(found, users));
        foreach (LogicalLine entry in LogicalLineReader.Read(text, fileName, found))
            ParseEntry(entry, state);

        Settings settings = state.Settings;
        if (!state.Written.ContainsKey("hostname"))
            settings = settings with { Hostname = defaultHostname() };
        settings = SettingsChecks.Check(settings, state.Written, found);

        // Stable: problems on one line keep the order in which they were found.
        foreach (ConfigError error in found.OrderBy(e => e.Where.Line).ThenBy(e => e.Where.Column))
            errors.Add(error);
        return new PostmasterConfig(fileName, new RouteTable(state.Routes), settings,
            [.. state.Written.Values.Where(w => w.Applied).OrderBy(w => w.Key.Line).Select(w => (w.Name, w.Key))]);
    }

    sealed class ParseState(SettingContext context)
    {
        public SettingContext Context { get; } = context;
        public ICollection<ConfigError> Errors => Context.Errors;
        public List<Route> Routes { get; } = [];
        public Dictionary<RouteKey, int> RouteLines { get; } = [];
        public Settings Settings { get; set; } = new();
        public Dictionary<string, WrittenSetting> Written { get; } = [];
    }

    // entry = KEY [blanks VALUE]; a KEY with "@" is a route, any other KEY a setting (DESIGN.md §2).
    static void ParseEntry(LogicalLine entry, ParseState state)
    {
        LocatedText all = entry.All;
        int gap = all.Span.IndexOfAny(' ', '\t');
        LocatedText key = gap < 0 ? all : all.Slice(0, gap);
        LocatedText value = gap < 0 ? all.Slice(all.Length) : all.Slice(gap).Trim();
        if (key.IndexOf('@') >= 0)
            ParseRoute(key, value, state);
        else
            ParseSetting(key, value, state);
    }

    static void ParseRoute(LocatedText key, LocatedText value, ParseState state)
    {
        bool ok = true;
        if (!RouteKeyParser.TryParse(key.Text, out RouteKey? routeKey, out string? problem))
            ok = Report(state, key.Where, problem);
        else if (state.RouteLines.TryGetValue(routeKey, out int firstLine))
            ok = Report(state, key.Where, $"duplicate route for \"{routeKey}\" (first at line {firstLine})");
        else
            state.RouteLines[routeKey] = key.Where.Line;

        if (value.IsEmpty)
        {
            Report(state, key.Where, "missing target");
            return;
        }
        ImmutableArray<Target>? targets = TargetParser.ParseList(value, state.Errors);
        foreach (Target target in targets ?? [])
        {
            // "~" is the home of the local user being delivered to, which only local-mailer has.
            if (target is Target.Maildir { Path: ['~', ..] } or Target.Mbox { Path: ['~', ..] })
                ok = Report(state, target.Where, $"{target.MailerName}: ~ is only known in local-mailer; write an absolute path");
        }
        if (ok && targets is { } valid)
            state.Routes.Add(new Route(routeKey!, valid, key.Where));
    }

    static void ParseSetting(LocatedText key, LocatedText value, ParseState state)
    {
        string name = key.Text;
        if (!SettingsTable.ByName.TryGetValue(name, out SettingRow? row))
        {
            Report(state, key.Where, $"unknown setting \"{name}\"{Spelling.Hint(name, SettingsTable.Names)}");
            return;
        }
        if (state.Written.TryGetValue(name, out WrittenSetting? first))
        {
            Report(state, key.Where, $"duplicate setting \"{name}\" (first at line {first.Key.Line})");
            return;
        }
        var written = new WrittenSetting(name, key.Where, value);
        state.Written[name] = written;
        if (value.IsEmpty)
        {
            Report(state, key.Where, $"missing value for \"{name}\"");
            return;
        }
        state.Context.Name = name;
        if (row.Apply(value, state.Context, state.Settings) is { } applied)
        {
            state.Settings = applied;
            written.Applied = true;
        }
    }

    static bool Report(ParseState state, SourceLocation where, string message)
    {
        state.Errors.Add(new ConfigError(where, message));
        return false;
    }
}

/// <summary>A setting as written: where its name and value are, and whether the value was valid.</summary>
internal sealed class WrittenSetting(string name, SourceLocation key, LocatedText value)
{
    public string Name { get; } = name;
    public SourceLocation Key { get; } = key;
    public LocatedText Value { get; } = value;
    public bool Applied { get; set; }
}
