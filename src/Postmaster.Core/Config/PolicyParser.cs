using Postmaster.Policy;

namespace Postmaster.Config;

/// <summary>Parses one item of the <c>policy</c> setting: <c>dso(/abs/lib.so)</c>, <c>socket(unix:/abs/path)</c>,
/// <c>socket(host:port)</c> or <c>socket([IPv6]:port)</c> (the Postfix policy delegation protocol), the socket
/// optionally followed by the stages to ask it at: <c>socket(unix:/run/quota.sock, rcpt, data)</c>.</summary>
internal static class PolicyParser
{
    const string Expected = "expected dso(/path/lib.so) or socket(unix:/path | host:port)";
    const string StageWords = "connect, helo, mail, rcpt or data";

    public static bool Parse(LocatedText value, SettingContext context, out PolicySpec result)
    {
        result = null!;
        int open = value.IndexOf('(');
        if (open < 0 || value[value.Length - 1] != ')')
            return context.Fail(value.Where, $"{Expected}, not \"{value}\"");
        string kind = value.Slice(0, open).Trim().Text;
        LocatedText argument = value.Slice(open + 1, value.Length - open - 2).Trim();
        SourceLocation where = argument.IsEmpty ? value.Where : argument.Where;
        if (kind == "socket" && argument.IndexOf(',') >= 0)
            return SocketWithStages(argument, context, out result);
        string? problem = kind switch
        {
            "dso" => Dso(argument.Text, where, out result),
            "socket" => Socket(argument.Text, out result),
            _ => $"{Expected}, not \"{value}\"",
        };
        return problem is null || context.Fail(kind is "dso" or "socket" ? where : value.Where, problem);
    }

    // socket(address, stage, ...): a policy server asked at more stages than RCPT (or others than RCPT).
    static bool SocketWithStages(LocatedText argument, SettingContext context, out PolicySpec result)
    {
        result = null!;
        List<LocatedText> items = argument.SplitTopLevel();
        LocatedText address = items[0].Trim();
        if (Socket(address.Text, out PolicySpec socket) is { } problem)
            return context.Fail(address.IsEmpty ? argument.Where : address.Where, problem);
        var stages = PolicyStages.None;
        foreach (LocatedText item in items.Skip(1))
        {
            LocatedText word = item.Trim();
            if (word.IsEmpty)
                return context.Fail(item.EmptyItemWhere(), "socket: empty stage");
            if (!PolicyStageNames.TryParse(word.Text, out PolicyStage stage))
                return context.Fail(word.Where, $"socket: expected a stage ({StageWords}), not \"{word}\"");
            stages |= (PolicyStages)(1 << (int)stage);
        }
        result = (PolicySpec.Socket)socket with { Stages = stages };
        return true;
    }

    // The shared object is loaded with dlopen(3) by the daemon and check-config (never by the other roles, so
    // that sendmail run by any user does not run a plugin); a missing one is found here already.
    static string? Dso(string path, SourceLocation where, out PolicySpec result)
    {
        result = new PolicySpec.Dso(path) { Where = where };
        if (path.Length == 0)
            return "dso: empty path";
        if (!ValueSyntax.IsAbsolutePath(path))
            return $"dso: path must be absolute, not \"{path}\"";
        if (FileChecks.ReadProblem(path) is { } problem)
            return $"dso: {problem}";
        // Its code runs inside the daemon: whoever may change the file may become the daemon.
        if (!OperatingSystem.IsWindows() && ((int)File.GetUnixFileMode(path) & 0b000_010_010) != 0)
            return $"dso: \"{path}\" must not be writable by group or others (chmod go-w it)";
        return null;
    }

    // The socket need not exist yet: the policy server may start after us, and a down server is a 4xx
    // (STYLE.md §3.8: our own transient trouble is never a 5xx).
    static string? Socket(string address, out PolicySpec result)
    {
        result = null!;
        if (address.Length == 0)
            return "socket: empty address";
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = address["unix:".Length..];
            result = new PolicySpec.Socket(path, null, 0);
            return ValueSyntax.IsAbsolutePath(path) ? null : $"socket: unix socket path must be absolute, not \"{path}\"";
        }
        if (!ValueSyntax.TrySplitHostPort(address, null, out string host, out int port, out string? problem))
            return $"socket: {problem}";
        if (address.StartsWith('['))
            host = System.Net.IPAddress.Parse(host).ToString();
        else if (!ValueSyntax.TryParseHostName(host, out string? name, out problem))
            return $"socket: {problem}";
        else
            host = name;
        result = new PolicySpec.Socket(null, host, port);
        return null;
    }
}
