namespace Postmaster.Queue;

/// <summary>What became of one change asked for by a queue command.</summary>
public enum QueueAdminResult
{
    /// <summary>Changed (and logged).</summary>
    Done,
    /// <summary>No such message in the queue (never was, or already delivered or removed).</summary>
    NotFound,
    /// <summary>A runner holds the message's lock: it is being delivered right now.</summary>
    Busy,
}
