using System.Text;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Queue;
using Postmaster.Spool;
using Postmaster.Tests.Spool;
using Xunit;

namespace Postmaster.Tests.Queue;

/// <summary>The queue commands on a real spool, with the runners' lock taken by the test where a runner would hold it.</summary>
public sealed class QueueAdminTests : IDisposable
{
    const string Actor = "uid=0(root) sudo=alice";
    static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    readonly TempSpool _spool = new();
    readonly RecordingLogger<QueueAdmin> _log = new();
    readonly FakeTimeProvider _time = new(Now);
    readonly QueueAdmin _admin;

    public QueueAdminTests() => _admin = new QueueAdmin(_spool.Spool, _time, _log, Actor);

    async Task<Envelope> QueueAsync(params string[] recipients)
    {
        Envelope envelope = await _spool.CommitAsync("Subject: test\r\n\r\nHello.\r\n"u8.ToArray(), recipients);
        return _spool.Spool.ReadEnvelope(envelope.Id)!;
    }

    /// <summary>A message after an attempt: the first recipient delivered, the others deferred.</summary>
    async Task<Envelope> QueuePartlyDeliveredAsync()
    {
        Envelope envelope = await QueueAsync("done@example.org", "bob@example.org", "carol@example.org");
        Envelope tried = envelope with
        {
            Attempts = 1,
            NextAttempt = Now.AddHours(1),
            LastError = "451 4.7.1 Greylisted",
            Recipients = [envelope.Recipients[0] with { State = DeliveryState.Delivered, DoneAt = Now.AddMinutes(-5) },
                .. envelope.Recipients.Skip(1).Select(r => r with { LastError = "451 4.7.1 Greylisted" })],
        };
        await _spool.Spool.RewriteEnvelopeAsync(tried, CancellationToken.None);
        return tried;
    }

    [Fact]
    public async Task ListsEveryMessageOldestFirst()
    {
        Envelope first = await QueueAsync("a@example.org");
        Envelope second = await QueueAsync("b@example.org");

        Assert.Equal([first.Id, second.Id], _admin.List().Select(e => e.Id));
    }

    [Fact]
    public async Task RetryMakesAMessageDueNowAndLogsWhoAsked()
    {
        Envelope envelope = await QueuePartlyDeliveredAsync();

        Assert.Equal(QueueAdminResult.Done, await _admin.RetryAsync(envelope.Id, CancellationToken.None));

        Assert.Equal(envelope with { NextAttempt = Now }, _admin.Find(envelope.Id));
        Assert.Contains($"{envelope.Id} retry requested by {Actor}: next attempt now pending=2", _log.Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task LeavesAMessageThatIsBeingDeliveredAlone()
    {
        Envelope envelope = await QueuePartlyDeliveredAsync();
        using MessageLock? runner = MessageLock.TryAcquire(_spool.Spool, envelope.Id);
        Assert.NotNull(runner);

        Assert.Equal(QueueAdminResult.Busy, await _admin.RetryAsync(envelope.Id, CancellationToken.None));
        Assert.Equal(QueueAdminResult.Busy, await _admin.DeleteAsync(envelope.Id, CancellationToken.None));
        Assert.Equal(QueueAdminResult.Busy, await _admin.BounceAsync(envelope.Id, null, CancellationToken.None));

        Assert.Equal(envelope, _admin.Find(envelope.Id));
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public async Task RetryAllNamesTheMessagesBeingDelivered()
    {
        Envelope busy = await QueueAsync("a@example.org");
        Envelope idle = await QueueAsync("b@example.org");
        using MessageLock? runner = MessageLock.TryAcquire(_spool.Spool, busy.Id);

        (int retried, IReadOnlyList<QueueId> stillBusy) = await _admin.RetryAllAsync(CancellationToken.None);

        Assert.Equal(1, retried);
        Assert.Equal([busy.Id], stillBusy);
        Assert.Equal(Now, _admin.Find(idle.Id)!.NextAttempt);
        Assert.Null(_admin.Find(busy.Id)!.NextAttempt);
    }

    [Fact]
    public async Task DeleteRemovesTheMessageAndLogsWhoDidIt()
    {
        Envelope envelope = await QueuePartlyDeliveredAsync();

        Assert.Equal(QueueAdminResult.Done, await _admin.DeleteAsync(envelope.Id, CancellationToken.None));

        Assert.Empty(_admin.List());
        Assert.Empty(TempSpool.Names(_spool.Queue()));
        Assert.Contains($"{envelope.Id} deleted by {Actor}: from=<alice@example.org> pending=2 recipients=<bob@example.org>,<carol@example.org>",
            _log.Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task AnswersNotFoundForAMessageThatIsNotThere()
    {
        Envelope gone = await QueueAsync("a@example.org");
        await _admin.DeleteAsync(gone.Id, CancellationToken.None);

        Assert.Equal(QueueAdminResult.NotFound, await _admin.RetryAsync(gone.Id, CancellationToken.None));
        Assert.Equal(QueueAdminResult.NotFound, await _admin.DeleteAsync(gone.Id, CancellationToken.None));
        Assert.Equal(QueueAdminResult.NotFound, await _admin.BounceAsync(gone.Id, null, CancellationToken.None));
        Assert.Null(_admin.Find(gone.Id));
    }

    [Fact]
    public async Task BounceFailsThePendingRecipientsAndMakesTheMessageDue()
    {
        Envelope envelope = await QueuePartlyDeliveredAsync();

        Assert.Equal(QueueAdminResult.Done, await _admin.BounceAsync(envelope.Id, null, CancellationToken.None));

        Envelope after = _admin.Find(envelope.Id)!;
        Assert.Equal(Now, after.NextAttempt);
        Assert.Equal(envelope.Recipients[0], after.Recipients[0]);       // the delivered one keeps its state
        Assert.All(after.Recipients.Skip(1), r =>
            Assert.Equal((DeliveryState.Failed, QueueAdmin.BounceReason, (DateTimeOffset?)Now), (r.State, r.LastError, r.DoneAt)));
        Assert.Contains($"{envelope.Id} bounced by {Actor}: from=<alice@example.org> failed=2 recipients=<bob@example.org>,<carol@example.org>",
            _log.Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task BounceWithANoticeQueuesItThenRemovesTheMessage()
    {
        Envelope envelope = await QueuePartlyDeliveredAsync();
        var notices = new List<(Envelope Original, IReadOnlyList<EnvelopeRecipient> Failed, bool StillQueued)>();

        QueueAdminResult result = await _admin.BounceAsync(envelope.Id, (original, failed, _) =>
        {
            notices.Add((original, failed, File.Exists(_spool.Queue(original.Id + ".env"))));
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(QueueAdminResult.Done, result);
        (Envelope original, IReadOnlyList<EnvelopeRecipient> failed, bool stillQueued) = Assert.Single(notices);
        Assert.Equal(envelope, original);
        Assert.True(stillQueued);        // the notice first: a crash now repeats it, never loses it
        Assert.Equal(["bob@example.org", "carol@example.org"], failed.Select(r => r.Recipient.ToString()));
        Assert.All(failed, r => Assert.Equal(QueueAdmin.BounceReason, r.LastError));
        Assert.Null(_admin.Find(envelope.Id));
    }

    [Fact]
    public async Task KeepsTheMessageWhenTheNoticeCannotBeQueued()
    {
        Envelope envelope = await QueuePartlyDeliveredAsync();

        await Assert.ThrowsAsync<IOException>(() => _admin.BounceAsync(envelope.Id,
            (_, _, _) => throw new IOException("No space left on device"), CancellationToken.None));

        Assert.Equal(envelope, _admin.Find(envelope.Id));
    }

    public void Dispose() => _spool.Dispose();
}
