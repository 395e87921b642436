using System.Diagnostics.CodeAnalysis;
using MimeKit;
using Postmaster.Mail;

namespace Postmaster.Submission;

/// <summary>Addresses as sendmail gets them: operands and <c>-f</c> from the command line, To/Cc/Bcc from the
/// header; bare names are qualified with the <c>hostname</c> setting, as Postfix's myorigin does.</summary>
internal static class SubmissionAddresses
{
    /// <summary>The <c>-f</c> argument: an address with or without angle brackets; "" or "&lt;&gt;" is the null sender.</summary>
    public static bool TryParseSender(string text, string hostname, out Mailbox? sender, [NotNullWhen(false)] out string? problem)
    {
        sender = null;
        problem = null;
        string bare = text.Trim();
        if (bare.StartsWith('<') && bare.EndsWith('>'))
            bare = bare[1..^1].Trim();
        if (bare.Length == 0)
            return true;
        return Mailbox.TryParse(Qualify(bare, hostname), out sender, out problem);
    }

    /// <summary>An address list (RFC 5322 §3.4: names, groups, comments allowed) added to <paramref name="into"/>.</summary>
    public static bool TryAddList(byte[] text, string hostname, List<Mailbox> into, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        if (text.AsSpan().Trim(" \t"u8).IsEmpty)
            return true;
        if (!InternetAddressList.TryParse(ParserOptions.Default, text, out InternetAddressList? list))
        {
            problem = "not an address list";
            return false;
        }
        foreach (MailboxAddress address in list.Mailboxes)   // the members of groups too
        {
            if (!Mailbox.TryParse(Qualify(address.Address, hostname), out Mailbox? mailbox, out string? why))
            {
                problem = $"\"{address.Address}\": {why}";
                return false;
            }
            into.Add(mailbox);
        }
        return true;
    }

    static string Qualify(string address, string hostname) => address.Contains('@') ? address : $"{address}@{hostname}";
}
