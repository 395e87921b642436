using Postmaster.Delivery;

namespace Postmaster.Smtp.Client;

/// <summary>What opening a session with a next hop came to, as a value (STYLE.md §3.5).</summary>
/// <param name="Problem">When not connected: what the recipients get if no other host does better; always a
/// <see cref="DeliveryOutcome.Deferred"/> result, because another host or a later try may work.</param>
public sealed record ConnectResult(ConnectFailure Failure, DeliveryResult? Problem)
{
    public static ConnectResult Connected { get; } = new(ConnectFailure.None, null);

    public bool IsConnected => Failure == ConnectFailure.None;

    public static ConnectResult Failed(ConnectFailure failure, string status, string diagnostic) =>
        new(failure, DeliveryResult.Deferred(status, diagnostic));

    public override string ToString() => IsConnected ? "connected" : $"{Failure}: {Problem}";
}
