using System.Diagnostics.CodeAnalysis;
using Postmaster.Routing;

namespace Postmaster.Config;

/// <summary>Reads one target written in configuration syntax outside a file: the mailer a spool envelope
/// names, or a target typed into the admin interface.</summary>
public static class TargetText
{
    public static bool TryParse(string text, [NotNullWhen(true)] out Target? target, [NotNullWhen(false)] out string? problem)
    {
        var line = new LogicalLine("target", text, [.. Enumerable.Repeat(1, text.Length)], [.. Enumerable.Range(1, text.Length)]);
        var errors = new List<ConfigError>();
        target = text.Trim().Length == 0 ? null : TargetParser.Parse(line.All.Trim(), errors);
        problem = target is null ? errors.FirstOrDefault()?.Message ?? "empty target" : null;
        return target is not null;
    }
}
