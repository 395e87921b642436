using System.Collections.Immutable;
using Postmaster.Delivery;

namespace Postmaster.Queue;

/// <summary>Carries out one delivery job; the queue runner's only way out to mailers. Implementations return
/// outcomes as values (STYLE.md §3.5), one per recipient of the job in its order; an exception is a bug, and the
/// runner treats it as a deferral of the whole job.</summary>
public interface IDeliveryAgent
{
    Task<ImmutableArray<DeliveryResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken);
}
