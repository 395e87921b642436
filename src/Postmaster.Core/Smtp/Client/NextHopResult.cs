using System.Collections.Immutable;
using Postmaster.Delivery;

namespace Postmaster.Smtp.Client;

/// <summary>What <see cref="NextHopResolver"/> came to: the addresses to try in order, or why there are none
/// as a deferral (4.x.x, DNS trouble) or a permanent failure (5.x.x) for every recipient of the domain.</summary>
public sealed record NextHopResult
{
    NextHopResult(ImmutableArray<NextHop> hops, DeliveryResult? failure) => (Hops, Failure) = (hops, failure);

    /// <summary>At least one when <see cref="Failure"/> is null; empty otherwise.</summary>
    public ImmutableArray<NextHop> Hops { get; }

    /// <summary>Null when there are hops; else <see cref="DeliveryOutcome.Deferred"/> or <see cref="DeliveryOutcome.Failed"/>.</summary>
    public DeliveryResult? Failure { get; }

    public static NextHopResult Found(ImmutableArray<NextHop> hops) =>
        hops.IsDefaultOrEmpty ? throw new ArgumentException("no next hops", nameof(hops)) : new(hops, null);

    public static NextHopResult Deferred(string status, string diagnostic) => new([], DeliveryResult.Deferred(status, diagnostic));

    public static NextHopResult Failed(string status, string diagnostic) => new([], DeliveryResult.Failed(status, diagnostic));

    /// <summary><c>mx1.test[127.0.0.2]:25, mx1.test[::1]:25</c>, or the failure as <see cref="DeliveryResult.ToString"/> gives it.</summary>
    public override string ToString() => Failure?.ToString() ?? string.Join(", ", Hops);
}
