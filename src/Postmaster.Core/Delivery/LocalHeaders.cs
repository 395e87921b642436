using System.Text;

namespace Postmaster.Delivery;

/// <summary>What final delivery adds in front of a message in a mailbox.</summary>
internal static class LocalHeaders
{
    /// <summary><c>Return-Path: &lt;sender&gt;</c> with LF (RFC 5321 §4.4: the final delivery records the reverse
    /// path); null when the sender is unknown (<see cref="DeliveryEnvelope.Sender"/> null).</summary>
    public static byte[]? ReturnPath(DeliveryEnvelope envelope) =>
        envelope.Sender is { } sender ? Encoding.UTF8.GetBytes($"Return-Path: <{Clean(sender)}>\n") : null;

    /// <summary>An address as it may appear in a header or the From line: no angle brackets, no control
    /// characters (a line break here would forge a header).</summary>
    public static string Clean(string address)
    {
        var result = new StringBuilder(address.Length);
        foreach (char c in address)
        {
            if (!char.IsControl(c) && c != '<' && c != '>')
                result.Append(c);
        }
        return result.ToString();
    }
}
