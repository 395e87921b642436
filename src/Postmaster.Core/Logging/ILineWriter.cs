namespace Postmaster.Logging;

/// <summary>Where finished log lines go (stderr, syslog). Called from the one writer thread only.</summary>
internal interface ILineWriter : IDisposable
{
    void Write(in LogLine line);

    /// <summary>Called when the queue has run empty: push buffered lines out.</summary>
    void Flush();
}
