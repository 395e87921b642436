using Postmaster.Mail;

namespace Postmaster.Smtp.Protocol;

/// <summary>The arguments of MAIL FROM (RFC 5321 §4.1.1.2) with the parameters we offer: SIZE (RFC 1870)
/// and BODY (RFC 6152).</summary>
/// <param name="Sender">The reverse path; null for the null sender <c>&lt;&gt;</c>.</param>
/// <param name="Size">The size the client declared, if any.</param>
public sealed record MailCommand(Mailbox? Sender, long? Size, BodyType Body)
{
    /// <summary>Canonical form, e.g. <c>FROM:&lt;a@example.org&gt; SIZE=100 BODY=8BITMIME</c>.</summary>
    public override string ToString()
    {
        string size = Size is { } declared ? $" SIZE={declared}" : "";
        string body = Body switch
        {
            BodyType.SevenBit => " BODY=7BIT",
            BodyType.EightBitMime => " BODY=8BITMIME",
            _ => "",
        };
        return $"FROM:<{Sender}>{size}{body}";
    }
}
