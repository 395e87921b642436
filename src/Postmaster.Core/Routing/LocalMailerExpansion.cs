using System.Text;

namespace Postmaster.Routing;

/// <summary>Turns the <c>local-mailer</c> setting into the mailer for one local user (DESIGN.md §2):
/// in maildir and mbox paths <c>~</c> becomes the user's home directory and <c>$USER</c> the user name.</summary>
/// <remarks>
/// <c>~</c> is replaced where a shell would: at the start of a word (start of the text or after a blank)
/// and followed by <c>/</c>, a blank or the end, so <c>maildir(~/Maildir/)</c> and <c>pipe(procmail -m ~)</c>
/// expand. <c>$USER</c> is replaced when no letter, digit or <c>_</c> follows it. A pipe command is never
/// rewritten: text that came from an address must not reach a shell's command line (DESIGN.md §2), so the
/// shell finds USER and HOME in its environment instead.
/// </remarks>
internal static class LocalMailerExpansion
{
    /// <summary>Whether the mailer's text names the home directory; then the user must exist in passwd.</summary>
    public static bool NeedsHome(Target mailer) => TextOf(mailer)?.Contains('~') == true;

    /// <summary>The mailer for <paramref name="user"/>; <paramref name="home"/> is null when the user is not
    /// in passwd (then <c>~</c> stays as written, which <see cref="NeedsHome"/> rules out).</summary>
    public static Target Expand(Target mailer, string user, string? home) => mailer switch
    {
        Target.Maildir maildir => maildir with { Path = ExpandText(maildir.Path, user, home) },
        Target.Mbox mbox => mbox with { Path = ExpandText(mbox.Path, user, home) },
        _ => mailer,
    };

    static string? TextOf(Target mailer) => mailer switch
    {
        Target.Pipe pipe => pipe.Command,
        Target.Maildir maildir => maildir.Path,
        Target.Mbox mbox => mbox.Path,
        _ => null,
    };

    /// <summary>Whether a maildir or mbox path names <c>$USER</c>.</summary>
    public static bool UsesUser(Target mailer) => TextOf(mailer)?.Contains("$USER", StringComparison.Ordinal) == true;

    /// <summary>Whether text taken from an address may become one component of a path: no <c>/</c>, no NUL,
    /// not <c>.</c>, <c>..</c> or any other name starting with a dot (a Maildir's own folders do).</summary>
    public static bool IsSafePathComponent(string text) =>
        text.Length > 0 && text[0] != '.' && !text.Contains('/') && !text.Contains('\0') && !text.Contains('"');

    internal static string ExpandText(string text, string user, string? home)
    {
        const string UserVariable = "$USER";
        if (!text.Contains('~') && !text.Contains(UserVariable, StringComparison.Ordinal))
            return text;
        var result = new StringBuilder(text.Length + 32);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '~' && home is not null && StartsWord(text, i) && EndsTilde(text, i + 1))
            {
                // "/home/joe/" + "/Maildir" must not give a double slash; a home of "/" with nothing after stays "/".
                string trimmed = home.TrimEnd('/');
                bool slashFollows = i + 1 < text.Length && text[i + 1] == '/';
                result.Append(trimmed.Length == 0 && !slashFollows ? "/" : trimmed);
            }
            else if (c == '$' && string.CompareOrdinal(text, i, UserVariable, 0, UserVariable.Length) == 0
                && !IsNameChar(text, i + UserVariable.Length))
            {
                result.Append(user);
                i += UserVariable.Length - 1;
            }
            else
                result.Append(c);
        }
        return result.ToString();
    }

    static bool StartsWord(string text, int i) => i == 0 || char.IsWhiteSpace(text[i - 1]);

    static bool EndsTilde(string text, int next) => next == text.Length || text[next] == '/' || char.IsWhiteSpace(text[next]);

    static bool IsNameChar(string text, int i) => i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_');
}
