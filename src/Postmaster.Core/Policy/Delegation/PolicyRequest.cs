using System.Text;

namespace Postmaster.Policy.Delegation;

/// <summary>Writes the request of Postfix's policy delegation protocol (SMTPD_POLICY_README): one
/// <c>name=value</c> line per attribute and an empty line, with the attributes Postfix 3.x sends that this
/// server knows; those it cannot know (SASL, client certificates, server address) are sent empty or left out.</summary>
public static class PolicyRequest
{
    public static string Build(SessionFacts facts)
    {
        var text = new StringBuilder(512);
        string? tlsProtocol = null, tlsCipher = null;
        if (facts.TlsDescription is { } tls)   // "TLSv1.3 TLS_AES_256_GCM_SHA384"
        {
            int space = tls.IndexOf(' ');
            tlsProtocol = space < 0 ? tls : tls[..space];
            tlsCipher = space < 0 ? "" : tls[(space + 1)..];
        }
        string clientName = facts.ClientName ?? "unknown";   // Postfix's word for "no verified name"
        bool data = facts.Stage == PolicyStage.Data;

        Add(text, "request", "smtpd_access_policy");
        Add(text, "protocol_state", State(facts));
        Add(text, "protocol_name", facts.Protocol == "SMTP" ? "SMTP" : "ESMTP");
        Add(text, "helo_name", facts.Helo ?? "");
        Add(text, "queue_id", facts.QueueId ?? "");
        Add(text, "sender", facts.Sender?.ToString() ?? "");   // empty for <> and before MAIL
        Add(text, "recipient", facts.Recipient?.ToString() ?? "");
        // Postfix: "non-zero only in the DATA and END-OF-MESSAGE states".
        Add(text, "recipient_count", data ? facts.RecipientCount.ToString() : "0");
        Add(text, "client_address", facts.ClientAddress.ToString());
        Add(text, "client_name", clientName);
        Add(text, "reverse_client_name", clientName);
        // The same for every request of one transaction (postgrey adds its X-Greylist header once per instance).
        Add(text, "instance", facts.QueueId is { } id ? $"{facts.SessionId}.{id}" : facts.SessionId);
        Add(text, "sasl_method", "");
        Add(text, "sasl_username", "");
        Add(text, "sasl_sender", "");
        Add(text, "size", (facts.Size ?? 0).ToString());
        Add(text, "ccert_subject", "");
        Add(text, "ccert_issuer", "");
        Add(text, "ccert_fingerprint", "");
        Add(text, "ccert_pubkey_fingerprint", "");
        Add(text, "encryption_protocol", tlsProtocol ?? "");
        Add(text, "encryption_cipher", tlsCipher ?? "");
        Add(text, "encryption_keysize", "0");
        Add(text, "etrn_domain", "");
        Add(text, "stress", "");
        Add(text, "policy_context", "");
        text.Append('\n');
        return text.ToString();
    }

    /// <summary>Postfix's protocol_state: CONNECT, EHLO or HELO, MAIL, RCPT, END-OF-MESSAGE.</summary>
    public static string State(SessionFacts facts) => facts.Stage switch
    {
        PolicyStage.Connect => "CONNECT",
        PolicyStage.Helo => facts.Protocol == "SMTP" ? "HELO" : "EHLO",
        PolicyStage.Mail => "MAIL",
        PolicyStage.Rcpt => "RCPT",
        _ => "END-OF-MESSAGE",
    };

    // A value is the rest of its line: a line break in one would forge attributes. None can come from the SMTP
    // parser; control characters become '?' all the same.
    static void Add(StringBuilder text, string name, string value)
    {
        text.Append(name).Append('=');
        foreach (char c in value)
            text.Append(char.IsControl(c) ? '?' : c);
        text.Append('\n');
    }
}
