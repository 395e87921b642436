using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Postmaster.Mail;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;

namespace Postmaster.Tests.Spool;

/// <summary>A spool in a fresh temporary directory, opened, with its log lines recorded; deleted on dispose.</summary>
internal sealed class TempSpool : IDisposable
{
    public TempSpool(bool open = true)
    {
        Root = Path.Combine(Path.GetTempPath(), "postmaster-spool-" + Guid.NewGuid().ToString("N"));
        Spool = new SpoolDirectory(Root, TimeProvider.System, Log);
        if (open)
            Spool.Open();
    }

    public string Root { get; }
    public RecordingLogger<SpoolDirectory> Log { get; } = new();
    public SpoolDirectory Spool { get; private set; }

    public string Tmp(string name = "") => Path.Combine(Root, "tmp", name);
    public string Queue(string name = "") => Path.Combine(Root, "queue", name);
    public string Corrupt(string name = "") => Path.Combine(Root, "corrupt", name);

    public static string[] Names(string directory) =>
        Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>A new SpoolDirectory over the same files, opened: what the daemon sees after a restart.</summary>
    public SpoolDirectory Restart()
    {
        Spool = new SpoolDirectory(Root, TimeProvider.System, Log);
        Spool.Open();
        return Spool;
    }

    /// <summary>Receives and commits a message with the given body.</summary>
    public async Task<Envelope> CommitAsync(byte[] body, params string[] recipients)
    {
        await using IncomingMessage message = Spool.Create();
        await message.Body.WriteAsync(body);
        Envelope envelope = SampleEnvelope(message.Id, body.Length, recipients);
        await Spool.CommitAsync(message, envelope, CancellationToken.None);
        return envelope;
    }

    public static Envelope SampleEnvelope(QueueId id, long size, params string[] recipients) =>
        new(id, new DateTimeOffset(2026, 3, 1, 10, 30, 0, TimeSpan.Zero), Mailbox.Parse("alice@example.org"),
            new ClientInfo("203.0.113.7", "mx.example.net", "mx.example.net", "ESMTPS", "TLSv1.3 TLS_AES_256_GCM_SHA384"),
            size, BodyType.EightBitMime,
            (recipients.Length == 0 ? ["bob@example.org"] : recipients)
                .Select(r => new EnvelopeRecipient(DeliveryState.Pending, Mailbox.Parse(r), Mailbox.Parse(r), "relay(mx.example.net:25)", null, null))
                .ToImmutableArray());

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>Keeps every formatted log line, for asserting what the spool told the operator.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Text)> Lines => _lines.ToArray();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue((logLevel, eventId, formatter(state, exception)));
}
