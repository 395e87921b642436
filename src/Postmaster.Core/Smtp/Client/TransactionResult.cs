using System.Collections.Immutable;
using Postmaster.Delivery;

namespace Postmaster.Smtp.Client;

/// <summary>What one <see cref="SmtpRelayClient.SendTransactionAsync"/> came to: a result per recipient, plus what
/// the caller may still do about some of them.</summary>
/// <param name="Results">One per recipient, in the order of <see cref="MessageTransaction.Recipients"/>.</param>
/// <param name="OverLimit">Recipients refused with 452 while the server accepted others of the same transaction:
/// its limit of recipients per transaction (RFC 5321 §4.5.3.1.10). The client sends them again in a further
/// transaction; their <see cref="Results"/> entry (a deferral) stands if it cannot.</param>
/// <param name="Stale">The connection had served an earlier transaction and broke (or announced 421) before the
/// server answered anything in this one: a cached connection the server had already given up. Nothing was sent
/// for good, so the transaction may be tried again on a fresh connection without counting as a failure.</param>
/// <param name="HostRefused">The server failed the transaction as a whole, for now: a 4xx to MAIL FROM, a 421, or a
/// connection that broke or timed out. Its deferrals are the host's trouble, and another host may do better
/// (DESIGN.md §4: the next MX host on a connection failure or a 4xx).</param>
public sealed record TransactionResult(ImmutableArray<DeliveryResult> Results, ImmutableArray<int> OverLimit, bool Stale,
    bool HostRefused = false)
{
    public static TransactionResult Empty { get; } = new([], [], false);
}
