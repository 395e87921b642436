namespace Postmaster.Spool;

/// <summary>A message being received: its queue id and the body file the caller streams into.</summary>
/// <remarks>Made by <see cref="SpoolDirectory.Create"/>. Hand it to <see cref="SpoolDirectory.CommitAsync"/>
/// to queue it; disposing it without a successful commit discards the body (tmp/&lt;id&gt;.msg).</remarks>
public sealed class IncomingMessage : IAsyncDisposable
{
    readonly FileStream _body;

    internal IncomingMessage(QueueId id, FileStream body, string bodyPath, string envelopePath)
    {
        Id = id;
        _body = body;
        BodyPath = bodyPath;
        EnvelopePath = envelopePath;
    }

    public QueueId Id { get; }

    /// <summary>Write the message here (CRLF lines, as it will be delivered); do not dispose it.</summary>
    public Stream Body => _body;

    internal FileStream BodyFile => _body;
    internal string BodyPath { get; }
    internal string EnvelopePath { get; }

    /// <summary>Set once the files are in queue/: disposing must not touch them any more.</summary>
    internal bool Committed { get; set; }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _body.DisposeAsync();
        }
        catch (IOException)
        {
            // A failed final flush (disk full) of a body we are throwing away anyway.
        }
        if (!Committed)
        {
            DurableFile.TryDelete(BodyPath);
            DurableFile.TryDelete(EnvelopePath);
        }
    }
}
