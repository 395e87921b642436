namespace Postmaster.Config;

/// <summary>Parses one item of the <c>policy</c> setting: <c>dso(/abs/lib.so)</c>, <c>socket(unix:/abs/path)</c>,
/// <c>socket(host:port)</c> or <c>socket([IPv6]:port)</c> (the Postfix policy delegation protocol).</summary>
internal static class PolicyParser
{
    const string Expected = "expected dso(/path/lib.so) or socket(unix:/path | host:port)";

    public static bool Parse(LocatedText value, SettingContext context, out PolicySpec result)
    {
        result = null!;
        int open = value.IndexOf('(');
        if (open < 0 || value[value.Length - 1] != ')')
            return context.Fail(value.Where, $"{Expected}, not \"{value}\"");
        string kind = value.Slice(0, open).Trim().Text;
        LocatedText argument = value.Slice(open + 1, value.Length - open - 2).Trim();
        SourceLocation where = argument.IsEmpty ? value.Where : argument.Where;
        string? problem = kind switch
        {
            "dso" => Dso(argument.Text, out result),
            "socket" => Socket(argument.Text, out result),
            _ => $"{Expected}, not \"{value}\"",
        };
        return problem is null || context.Fail(kind is "dso" or "socket" ? where : value.Where, problem);
    }

    // The shared object is loaded with dlopen(3) when the daemon starts; a missing one is found here instead.
    static string? Dso(string path, out PolicySpec result)
    {
        result = new PolicySpec.Dso(path);
        if (path.Length == 0)
            return "dso: empty path";
        if (!ValueSyntax.IsAbsolutePath(path))
            return $"dso: path must be absolute, not \"{path}\"";
        return FileChecks.ReadProblem(path) is { } problem ? $"dso: {problem}" : null;
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
