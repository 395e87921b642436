using System.Text;

namespace Postmaster.Smtp.Server;

/// <param name="EndsGroup">RFC 2920 §3.1: the client waits for this reply before sending more.</param>
internal sealed record CommandRow(Verb Verb, byte[] Name, SessionState AllowedIn, bool EndsGroup);

/// <summary>The server's commands, one row per verb: read top to bottom, this is the protocol.</summary>
internal static class CommandTable
{

    static readonly CommandRow[] Rows =
    [
        new(Verb.Ehlo,     "EHLO"u8.ToArray(),     SessionState.Any,                                EndsGroup: true),
        new(Verb.Helo,     "HELO"u8.ToArray(),     SessionState.Any,                                EndsGroup: true),
        new(Verb.Mail,     "MAIL"u8.ToArray(),     SessionState.Greeted,                            EndsGroup: false),
        new(Verb.Rcpt,     "RCPT"u8.ToArray(),     SessionState.InTransaction,                      EndsGroup: false),
        new(Verb.Data,     "DATA"u8.ToArray(),     SessionState.RcptGiven,                          EndsGroup: true),
        new(Verb.Rset,     "RSET"u8.ToArray(),     SessionState.Any,                                EndsGroup: false),
        new(Verb.Noop,     "NOOP"u8.ToArray(),     SessionState.Any,                                EndsGroup: true),
        new(Verb.Quit,     "QUIT"u8.ToArray(),     SessionState.Any,                                EndsGroup: true),
        new(Verb.StartTls, "STARTTLS"u8.ToArray(), SessionState.Greeted,                            EndsGroup: true),
        new(Verb.Vrfy,     "VRFY"u8.ToArray(),     SessionState.Any,                                EndsGroup: true),
        new(Verb.NotImplemented, "HELP"u8.ToArray(), SessionState.Any,                              EndsGroup: true),
        new(Verb.NotImplemented, "EXPN"u8.ToArray(), SessionState.Any,                              EndsGroup: true),
        new(Verb.NotImplemented, "TURN"u8.ToArray(), SessionState.Any,                              EndsGroup: true),
        new(Verb.NotImplemented, "SEND"u8.ToArray(), SessionState.Any,                              EndsGroup: true),
        new(Verb.NotImplemented, "SOML"u8.ToArray(), SessionState.Any,                              EndsGroup: true),
        new(Verb.NotImplemented, "SAML"u8.ToArray(), SessionState.Any,                              EndsGroup: true),
        new(Verb.Http,     "GET"u8.ToArray(),      SessionState.Any,                                EndsGroup: true),
        new(Verb.Http,     "POST"u8.ToArray(),     SessionState.Any,                                EndsGroup: true),
        new(Verb.Http,     "HEAD"u8.ToArray(),     SessionState.Any,                                EndsGroup: true),
        new(Verb.Http,     "PUT"u8.ToArray(),      SessionState.Any,                                EndsGroup: true),
        new(Verb.Http,     "CONNECT"u8.ToArray(),  SessionState.Any,                                EndsGroup: true),
    ];

    static readonly CommandRow Unknown = new(Verb.Unknown, [], SessionState.Any, EndsGroup: true);

    /// <summary>Finds the row for a command line (case-insensitive) and the text after the verb.</summary>
    public static CommandRow Find(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> arguments)
    {
        int space = line.IndexOf((byte)' ');
        ReadOnlySpan<byte> word = space < 0 ? line : line[..space];
        arguments = space < 0 ? default : line[(space + 1)..];
        foreach (CommandRow row in Rows)
        {
            if (Ascii.EqualsIgnoreCase(word, row.Name))
                return row;
        }
        return Unknown;
    }
}
