namespace Postmaster.Smtp.Server;

/// <summary>How long a session waits for its client (RFC 5321 §4.5.3.2).</summary>
/// <param name="Command">Waiting for the next command: at least 5 minutes (§4.5.3.2.7).</param>
/// <param name="DataBlock">Between two reads of message data: 3 minutes (§4.5.3.2.6).</param>
/// <param name="ShutdownGrace">On SIGTERM, how long a transaction in progress may still finish.</param>
public sealed record SessionTimeouts(TimeSpan Command, TimeSpan DataBlock, TimeSpan ShutdownGrace)
{
    public static SessionTimeouts Rfc5321 { get; } = new(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(30));
}
