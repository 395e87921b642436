using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Client;

/// <summary>What a server's EHLO (or HELO) reply says about it: its name, the extensions the client can use,
/// and the message size limit.</summary>
/// <param name="SizeLimit">The SIZE parameter (RFC 1870 §4); 0 when the server named no fixed limit.</param>
public sealed record ServerExtensions(string ServerName, ServerCapabilities Capabilities, long SizeLimit)
{
    /// <summary>After HELO: plain RFC 821 SMTP, no extensions.</summary>
    public static ServerExtensions Helo(Reply reply) => new(FirstWord(FirstLine(reply.Text)), ServerCapabilities.None, 0);

    public bool Has(ServerCapabilities capability) => (Capabilities & capability) != 0;

    /// <summary>Reads an EHLO reply (RFC 5321 §4.1.1.1): the first line names the server, each further line is
    /// <c>ehlo-keyword *(SP ehlo-param)</c>. Unknown keywords are skipped; keywords compare case-insensitively.</summary>
    public static ServerExtensions Parse(Reply ehlo)
    {
        string[] lines = (ehlo.Text ?? "").Split('\n');
        ServerCapabilities capabilities = ServerCapabilities.None;
        long sizeLimit = 0;
        foreach (string line in lines.AsSpan(1))
        {
            string[] words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            string keyword = words[0].ToUpperInvariant();
            string[] parameters = words[1..];
            if (keyword.StartsWith("AUTH=", StringComparison.Ordinal))
            {
                // Old servers (and Outlook's) announce "AUTH=LOGIN PLAIN" as well as or instead of "AUTH LOGIN PLAIN".
                parameters = [keyword[5..], .. parameters];
                keyword = "AUTH";
            }
            capabilities |= keyword switch
            {
                "PIPELINING" => ServerCapabilities.Pipelining,
                "8BITMIME" => ServerCapabilities.EightBitMime,
                "STARTTLS" => ServerCapabilities.StartTls,
                "ENHANCEDSTATUSCODES" => ServerCapabilities.EnhancedStatusCodes,
                "SMTPUTF8" => ServerCapabilities.Smtputf8,
                "CHUNKING" => ServerCapabilities.Chunking,
                "DSN" => ServerCapabilities.Dsn,
                "SIZE" => ServerCapabilities.Size,
                "AUTH" => Mechanisms(parameters),
                _ => ServerCapabilities.None,
            };
            if (keyword == "SIZE" && parameters.Length > 0 && long.TryParse(parameters[0], out long limit) && limit > 0)
                sizeLimit = limit;
        }
        return new ServerExtensions(FirstWord(lines[0]), capabilities, sizeLimit);
    }

    static ServerCapabilities Mechanisms(string[] names)
    {
        ServerCapabilities found = ServerCapabilities.None;
        foreach (string name in names)
        {
            if (name.Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
                found |= ServerCapabilities.AuthPlain;
            else if (name.Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
                found |= ServerCapabilities.AuthLogin;
        }
        return found;
    }

    static string FirstLine(string? text) => (text ?? "").Split('\n')[0];

    static string FirstWord(string line)
    {
        line = line.Trim();
        int space = line.IndexOf(' ');
        return space < 0 ? line : line[..space];
    }
}
