using Xunit;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Config;
using Postmaster.Delivery;
using Postmaster.Mail;
using Postmaster.Platform;
using Postmaster.Queue;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;

namespace Postmaster.Tests.Queue;

/// <summary>A real spool in a temporary directory, a configuration parsed from text, time under the test's
/// control, and a scripted delivery agent (a test double for the mailers, the one thing not real here).</summary>
internal sealed class QueueRunnerFixture : IDisposable
{
    public const string Hostname = "mx.example.org";
    readonly string _directory = Directory.CreateTempSubdirectory("postmaster-queue-").FullName;

    /// <param name="settings">Settings, and routes of the test's own, before the fixture's two routes.</param>
    /// <param name="agent">The mailers; by default <see cref="Agent"/>, the scripted one.</param>
    public QueueRunnerFixture(string settings = "", IDeliveryAgent? agent = null)
    {
        string text = $"hostname {Hostname}\nspool {_directory}/spool\n{settings}\n" +
                      "@example.org maildir(/var/vmail/$USER/)\n@ relay(smarthost.example.net)\n";
        var errors = new List<ConfigError>();
        Config = ConfigParser.Parse(Encoding.UTF8.GetBytes(text), "test.cf", PasswdDatabase.Instance, () => Hostname, errors);
        Assert.DoesNotContain(errors, e => !e.IsWarning);
        Resolver = new RouteResolver(Config.Routes, Hostname, Config.Settings.LocalMailer, PasswdDatabase.Instance);
        Spool = new SpoolDirectory(Config.Settings.Spool, Time, NullLogger<SpoolDirectory>.Instance);
        Spool.Open();
        Runner = new QueueRunner(Spool, agent ?? Agent, () => new RunnerConfig(Config.Settings, Resolver), Time, NullLogger.Instance, new Random(1));
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-25T12:00:00Z"));
    public ScriptedAgent Agent { get; } = new();
    public PostmasterConfig Config { get; }
    public RouteResolver Resolver { get; }
    public SpoolDirectory Spool { get; }
    public QueueRunner Runner { get; }

    /// <summary>Queues a message as the daemon would: sender, recipients routed through the table.</summary>
    public async Task<QueueId> QueueAsync(string? sender, params string[] recipients)
    {
        await using IncomingMessage message = Spool.Create();
        byte[] body = Encoding.ASCII.GetBytes($"From: {sender ?? "MAILER-DAEMON"}\r\nSubject: test\r\n\r\nHello.\r\n");
        await message.Body.WriteAsync(body);
        var rcpts = recipients.SelectMany(r =>
        {
            Resolution resolution = Resolver.Resolve(Mailbox.Parse(r));
            return resolution.Targets.Select(t => new EnvelopeRecipient(DeliveryState.Pending, t.Recipient, Mailbox.Parse(r),
                t.Mailer.ToString(), t.LocalUser, t.Extension));
        }).ToArray();
        var envelope = new Envelope(message.Id, Time.GetUtcNow(), sender is null ? null : Mailbox.Parse(sender),
            new ClientInfo("192.0.2.1", null, "client.example", "ESMTP", null), body.Length, BodyType.SevenBit, [.. rcpts]);
        await Spool.CommitAsync(message, envelope, CancellationToken.None);
        return message.Id;
    }

    public Envelope Envelope(QueueId id) => Spool.ReadEnvelope(id) ?? throw new InvalidOperationException($"{id} is not queued");

    /// <summary>The notices (DSNs) in the queue: messages with the null sender.</summary>
    public List<(Envelope Envelope, string Text)> Notices() =>
        [.. Spool.List().Select(id => Spool.ReadEnvelope(id)!).Where(e => e.Sender is null && e.Client.Address == "local")
            .Select(e => (e, Text(e.Id)))];

    public string Text(QueueId id)
    {
        using var reader = new StreamReader(Spool.OpenMessage(id));
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Answers each delivery from a script keyed by recipient; delivered unless told otherwise.</summary>
internal sealed class ScriptedAgent : IDeliveryAgent
{
    public ConcurrentDictionary<string, DeliveryResult> Script { get; } = new();
    public ConcurrentQueue<DeliveryJob> Jobs { get; } = new();
    public Func<DeliveryJob, Task>? Before { get; set; }

    public async Task<ImmutableArray<DeliveryResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        Jobs.Enqueue(job);
        if (Before is not null)
            await Before(job);
        return [.. job.Recipients.Select(r => Script.TryGetValue(r.Recipient.ToString(), out DeliveryResult? result) ? result : DeliveryResult.Delivered())];
    }
}
