namespace Postmaster.Delivery;

/// <summary>The three ways a delivery attempt can end (STYLE.md §3.5).</summary>
public enum DeliveryOutcome
{
    /// <summary>Handed over for good: the recipient is done.</summary>
    Delivered,
    /// <summary>Not now, maybe later: retry on the schedule (a 4.x.x status).</summary>
    Deferred,
    /// <summary>Never: bounce to the sender (a 5.x.x status).</summary>
    Failed,
}

/// <summary>What one delivery attempt came to, as a value rather than an exception (STYLE.md §3.5).</summary>
/// <param name="Status">The RFC 3463 status: 2.0.0, 4.x.x (try again later) or 5.x.x (give up).</param>
/// <param name="Diagnostic">One line for logs and DSNs: the remote reply or what went wrong here. Line breaks
/// and control characters given here become spaces, so text taken from a command's stderr or a remote reply
/// can never start a new log line or header.</param>
public sealed record DeliveryResult(DeliveryOutcome Outcome, string Status, string Diagnostic)
{
    public string Diagnostic { get; init; } = DiagnosticText.OneLine(Diagnostic);

    public static DeliveryResult Delivered(string diagnostic = "delivered") => new(DeliveryOutcome.Delivered, "2.0.0", diagnostic);

    /// <summary>A temporary failure; <paramref name="status"/> should be a 4.x.x code (RFC 3463 §3.1).</summary>
    public static DeliveryResult Deferred(string status, string diagnostic) => new(DeliveryOutcome.Deferred, status, diagnostic);

    /// <summary>A permanent failure; <paramref name="status"/> should be a 5.x.x code (RFC 3463 §3.1).</summary>
    public static DeliveryResult Failed(string status, string diagnostic) => new(DeliveryOutcome.Failed, status, diagnostic);

    /// <summary><c>deferred 4.2.2 mailbox full</c>: the outcome in lower case, the status, the diagnostic.</summary>
    public override string ToString() => $"{Outcome.ToString().ToLowerInvariant()} {Status} {Diagnostic}";
}
