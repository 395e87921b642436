using Microsoft.Extensions.Logging;
using Postmaster.Routing;
using Postmaster.Smtp.Client;
using Postmaster.Spool;

namespace Postmaster.Delivery;

/// <summary>Delivers to a <c>relay(...)</c> target over SMTP: the smart hosts in order, or the recipient domain's
/// MX hosts, moving on to the next host when one cannot be reached or will not talk (DESIGN.md §4).</summary>
/// <remarks>One connection per delivery for now; connection reuse and per-destination limits come with the rest
/// of the SMTP client work (issue 5). A next hop named in <c>relay-credentials</c> gets AUTH (over TLS only).</remarks>
public sealed class RelayMailer(NextHopResolver nextHops, Func<SmtpClientOptions> options, ILogger log,
    RelayCredentials? credentials = null)
{
    public async Task<DeliveryResult> DeliverAsync(Target.Relay relay, Envelope envelope, EnvelopeRecipient recipient,
        string messagePath, CancellationToken cancellationToken)
    {
        NextHopResult route = await nextHops.ResolveAsync(relay, recipient.Recipient.Domain, cancellationToken);
        if (route.Failure is { } failure)
            return failure;

        DeliveryResult? last = null;
        foreach (NextHop hop in route.Hops)
        {
            SmtpClientOptions chosen = options() with { Credentials = credentials?.Find(hop.HostName, hop.Port) };
            DeliveryResult? result = await TryHopAsync(hop, chosen, envelope, recipient, messagePath, cancellationToken);
            // RFC 3207 §4.1: opportunistic TLS that fails in the handshake may be retried in the clear.
            if (result is null && chosen.Tls == TlsPolicy.Opportunistic)
                result = await TryHopAsync(hop, chosen with { Tls = TlsPolicy.Disabled }, envelope, recipient, messagePath, cancellationToken);
            if (result is { Outcome: not DeliveryOutcome.Deferred } || result is { } && !IsHostTrouble(result))
                return result;
            last = result ?? last;
        }
        return last ?? DeliveryResult.Deferred("4.4.1", "no next hop could be reached");
    }

    /// <summary>The outcome at this hop; null when the TLS handshake failed (the caller may retry in the clear).</summary>
    async Task<DeliveryResult?> TryHopAsync(NextHop hop, SmtpClientOptions chosen, Envelope envelope,
        EnvelopeRecipient recipient, string messagePath, CancellationToken cancellationToken)
    {
        await using var client = new SmtpRelayClient(chosen, log);
        ConnectResult connected = await client.ConnectAsync(hop.EndPoint, hop.HostName, cancellationToken);
        if (connected.Failure == ConnectFailure.TlsHandshake && chosen.Tls == TlsPolicy.Opportunistic)
            return null;
        if (connected.Problem is { } problem)
            return problem with { Diagnostic = $"{hop}: {problem.Diagnostic}" };

        await using var content = new FileStream(messagePath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        var transaction = new MessageTransaction(envelope.Sender, [recipient.Recipient], content, envelope.Size, envelope.Body);
        DeliveryResult result = (await client.SendAsync(transaction, cancellationToken))[0];
        await client.QuitAsync(cancellationToken);
        return result with { Diagnostic = $"{hop}: {result.Diagnostic}" };
    }

    // A connection failure or a refusal before the transaction (4.4.x network, 4.7.x TLS/AUTH trouble) is the
    // host's problem: the next host may do better. A 4xx to the recipient itself is the recipient's.
    static bool IsHostTrouble(DeliveryResult result) => result.Status.StartsWith("4.4.", StringComparison.Ordinal)
        || result.Status.StartsWith("4.7.", StringComparison.Ordinal);
}
