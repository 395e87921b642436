using Postmaster.Delivery;

namespace Postmaster.Queue;

/// <summary>Carries out one delivery; the queue runner's only way out to mailers. Implementations return
/// outcomes as values (STYLE.md §3.5); an exception is a bug, and the runner treats it as a deferral.</summary>
public interface IDeliveryAgent
{
    Task<DeliveryResult> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken);
}
