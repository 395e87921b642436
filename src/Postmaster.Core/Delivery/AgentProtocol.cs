using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Postmaster.Routing;

namespace Postmaster.Delivery;

/// <summary>One delivery the daemon asks the privileged agent for.</summary>
/// <param name="Id">Chosen by the daemon; the answer carries it back (requests run concurrently).</param>
/// <param name="MessagePath">queue/&lt;id&gt;.msg in the spool the agent was started for.</param>
public sealed record AgentRequest(long Id, string MessagePath, Target Mailer, string User, DeliveryEnvelope Envelope, TimeSpan TimeLimit);

/// <summary>The line protocol between the daemon and <c>postmaster deliver --agent</c> (postmaster(8)).</summary>
/// <remarks>
/// One request per line on the agent's stdin, one answer per line on its stdout, in the order deliveries end.
/// A line is words separated by single spaces; each word is <c>key=value</c>, the value percent-encoded as
/// UTF-8 (every octet outside '!'..'~', and '%' and '=' themselves, as %XX), so no value can hold a space or a
/// line break. A key that is missing means "not given"; <c>sender=</c> is the null sender.
/// <code>
/// id=7 message=/var/spool/postmaster/queue/0KX7M2C4J1QF.msg mailer=maildir target=/home/joe/Maildir/ user=joe
///   sender=alice@example.org recipient=joe@example.net queue-id=0KX7M2C4J1QF time-limit=600
/// id=7 outcome=delivered status=2.0.0 diagnostic=delivered%20to%20maildir%20/home/joe/Maildir
/// </code>
/// Unknown keys are ignored, so either side can grow.
/// </remarks>
internal static class AgentProtocol
{
    public static string Format(IEnumerable<(string Key, string? Value)> fields)
    {
        var line = new StringBuilder();
        foreach ((string key, string? value) in fields)
        {
            if (value is null)
                continue;
            if (line.Length > 0)
                line.Append(' ');
            line.Append(key).Append('=').Append(Encode(value));
        }
        return line.ToString();
    }

    public static bool TryParse(string line, [NotNullWhen(true)] out Dictionary<string, string>? fields, [NotNullWhen(false)] out string? problem)
    {
        fields = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = null;
        foreach (string word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = word.IndexOf('=');
            if (equals <= 0)
                problem = $"\"{DiagnosticText.OneLine(word, 40)}\" is not key=value";
            else if (!TryDecode(word[(equals + 1)..], out string? value))
                problem = $"bad percent-encoding in {word[..equals]}";
            else if (!fields.TryAdd(word[..equals], value))
                problem = $"{word[..equals]} given twice";
            if (problem is not null)
            {
                fields = null;
                return false;
            }
        }
        return true;
    }

    public static string Encode(string value)
    {
        var result = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            if (b is > 0x20 and < 0x7F and not (byte)'%' and not (byte)'=')
                result.Append((char)b);
            else
                result.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return result.ToString();
    }

    public static bool TryDecode(string text, [NotNullWhen(true)] out string? value)
    {
        value = null;
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length
                    || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                    return false;
                bytes.Add(b);
                i += 2;
            }
            else if (c is > ' ' and < '\x7F' and not '=')
                bytes.Add((byte)c);
            else
                return false;
        }
        value = Encoding.UTF8.GetString([.. bytes]);
        return true;
    }

    public static string FormatRequest(AgentRequest request) => Format(
    [
        ("id", request.Id.ToString(CultureInfo.InvariantCulture)),
        ("message", request.MessagePath),
        ("mailer", request.Mailer.MailerName),
        ("target", request.Mailer switch
        {
            Target.Maildir maildir => maildir.Path,
            Target.Mbox mbox => mbox.Path,
            Target.Pipe pipe => pipe.Command,
            _ => throw new ArgumentException($"{request.Mailer} is not a local mailer", nameof(request)),
        }),
        ("user", request.User),
        ("sender", request.Envelope.Sender),
        ("recipient", request.Envelope.Recipient),
        ("original-recipient", request.Envelope.OriginalRecipient),
        ("extension", request.Envelope.Extension),
        ("queue-id", request.Envelope.QueueId),
        ("client-address", request.Envelope.ClientAddress),
        ("time-limit", request.TimeLimit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
    ]);

    /// <summary>Reads a request; on failure <paramref name="id"/> is still set when the line had a usable id
    /// (0 otherwise), so the refusal can be addressed.</summary>
    public static bool TryParseRequest(string line, out long id, [NotNullWhen(true)] out AgentRequest? request,
        [NotNullWhen(false)] out string? problem)
    {
        id = 0;
        request = null;
        if (!TryParse(line, out Dictionary<string, string>? fields, out problem))
            return false;
        if (!fields.TryGetValue("id", out string? idText) || !long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out id) || id <= 0)
        {
            problem = "missing or bad id";
            return false;
        }
        string? Get(string key) => fields.GetValueOrDefault(key);
        if (Get("message") is not { Length: > 0 } message)
            problem = "missing message";
        else if (Get("user") is not { Length: > 0 } user)
            problem = "missing user";
        else if (Get("target") is not { Length: > 0 } target)
            problem = "missing target";
        else if (Get("mailer") switch
            {
                "maildir" => (Target)new Target.Maildir(target),
                "mbox" => new Target.Mbox(target),
                "pipe" => new Target.Pipe(target),
                _ => null,
            } is not Target mailer)
            problem = "mailer must be maildir, mbox or pipe";
        else if (!double.TryParse(Get("time-limit") ?? "600", NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
            || seconds <= 0 || seconds > 86400)
            problem = "bad time-limit";
        else
        {
            var envelope = new DeliveryEnvelope(Get("sender"), Get("recipient"), Get("original-recipient"), Get("extension"),
                Get("queue-id"), Get("client-address"));
            request = new AgentRequest(id, message, mailer, user, envelope, TimeSpan.FromSeconds(seconds));
            return true;
        }
        return false;
    }

    public static string FormatResult(long id, DeliveryResult result) => Format(
    [
        ("id", id.ToString(CultureInfo.InvariantCulture)),
        ("outcome", result.Outcome.ToString().ToLowerInvariant()),
        ("status", result.Status),
        ("diagnostic", result.Diagnostic),
    ]);

    public static bool TryParseResult(string line, out long id, [NotNullWhen(true)] out DeliveryResult? result)
    {
        id = 0;
        result = null;
        if (!TryParse(line, out Dictionary<string, string>? fields, out _)
            || !fields.TryGetValue("id", out string? idText) || !long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out id)
            || !fields.TryGetValue("status", out string? status))
            return false;
        string diagnostic = fields.GetValueOrDefault("diagnostic") ?? "";
        result = fields.GetValueOrDefault("outcome") switch
        {
            "delivered" => DeliveryResult.Delivered(diagnostic),
            "deferred" => DeliveryResult.Deferred(status, diagnostic),
            "failed" => DeliveryResult.Failed(status, diagnostic),
            _ => null,
        };
        return result is not null;
    }
}
