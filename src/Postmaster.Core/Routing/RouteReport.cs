using System.Diagnostics.CodeAnalysis;
using Postmaster.Mail;

namespace Postmaster.Routing;

/// <summary>Shows a <see cref="Resolution"/> the way <c>check-config --route</c> prints it: per final target
/// the mailer, then the rules used with their <c>file:line</c>.</summary>
public static class RouteReport
{
    /// <summary>Reads an address as an administrator types it: <c>a@b</c>, <c>&lt;a@b&gt;</c>, or a bare
    /// local part, which is qualified with <paramref name="hostname"/> (as sendmail does).</summary>
    public static bool TryParseAddress(string text, string hostname, [NotNullWhen(true)] out Mailbox? address,
        [NotNullWhen(false)] out string? problem)
    {
        string trimmed = text.Trim();
        if (trimmed.Length >= 2 && trimmed[0] == '<' && trimmed[^1] == '>')
            trimmed = trimmed[1..^1];
        if (!trimmed.Contains('@'))
            trimmed = $"{trimmed}@{hostname}";
        if (Mailbox.TryParse(trimmed, out address, out problem))
            return true;
        problem = $"not an address: {problem}";
        return false;
    }

    public static void Write(TextWriter output, Resolution resolution)
    {
        if (resolution.Failure is { } failure)
        {
            output.WriteLine($"{resolution.Address}: {failure.Message}");
            WriteChain(output, failure.Chain, "  ");
            return;
        }

        int count = resolution.Targets.Length;
        output.WriteLine($"{resolution.Address}: {count} target{(count == 1 ? "" : "s")}" +
                         (resolution.NeedsTrustedClient ? ", needs trusted client" : ""));
        foreach (FinalTarget target in resolution.Targets)
        {
            string user = target.User is { } system ? $" as user {system.Name}" : "";
            output.WriteLine($"  {target.Recipient} => {target.Mailer}  (mailer {target.Mailer.MailerName}{user})");
            WriteChain(output, target.Chain, "      ");
        }
    }

    static void WriteChain(TextWriter output, IEnumerable<RouteStep> chain, string indent)
    {
        foreach (RouteStep step in chain)
            output.WriteLine($"{indent}{step}");
    }
}
