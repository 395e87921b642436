using Xunit;
using Postmaster.Delivery;
using Postmaster.Queue;
using Postmaster.Spool;

namespace Postmaster.Tests.Queue;

public sealed class QueueRunnerTests
{
    [Fact]
    public async Task DeliversEveryRecipientAndRemovesTheMessage()
    {
        using var queue = new QueueRunnerFixture();
        QueueId id = await queue.QueueAsync("alice@example.net", "bob@example.org", "carol@example.org");

        PassSummary summary = await queue.Runner.RunOnceAsync(CancellationToken.None);

        Assert.Equal(2, summary.Delivered);
        Assert.Empty(queue.Spool.List());
        Assert.Equal(["bob@example.org maildir(/var/vmail/bob/)", "carol@example.org maildir(/var/vmail/carol/)"],
            queue.Agent.Jobs.Select(j => $"{Assert.Single(j.Recipients).Recipient} {j.Mailer}").Order());
        Assert.All(queue.Agent.Jobs, j => Assert.Equal(queue.Spool.MessagePath(id), j.MessagePath));
    }

    [Fact]
    public async Task RetriesADeferredRecipientOnTheScheduleAndOnlyThatOne()
    {
        using var queue = new QueueRunnerFixture("retry 10m, 1h");
        queue.Agent.Script["carol@example.org"] = DeliveryResult.Deferred("4.2.0", "mailbox busy");
        QueueId id = await queue.QueueAsync("alice@example.net", "bob@example.org", "carol@example.org");

        await queue.Runner.RunOnceAsync(CancellationToken.None);

        Envelope first = queue.Envelope(id);
        Assert.Equal(1, first.Attempts);
        Assert.Equal([DeliveryState.Delivered, DeliveryState.Pending], first.Recipients.Select(r => r.State));
        Assert.Equal("4.2.0 mailbox busy", first.Recipients[1].LastError);
        TimeSpan wait = first.NextAttempt!.Value - queue.Time.GetUtcNow();
        Assert.InRange(wait, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11));   // 10m with up to 10% jitter

        queue.Time.Advance(TimeSpan.FromMinutes(5));
        await queue.Runner.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, queue.Agent.Jobs.Count);                                    // not due yet

        queue.Time.Advance(TimeSpan.FromMinutes(7));
        await queue.Runner.RunOnceAsync(CancellationToken.None);
        Assert.Equal(3, queue.Agent.Jobs.Count);                                    // carol only
        Envelope second = queue.Envelope(id);
        Assert.Equal(2, second.Attempts);
        Assert.InRange(second.NextAttempt!.Value - queue.Time.GetUtcNow(), TimeSpan.FromMinutes(54), TimeSpan.FromMinutes(66));

        queue.Agent.Script.Clear();
        queue.Time.Advance(TimeSpan.FromHours(2));
        await queue.Runner.RunOnceAsync(CancellationToken.None);
        Assert.Empty(queue.Spool.List());
    }

    [Fact]
    public async Task HandsTheRecipientsOfOneRelayDestinationToTheMailerTogether()
    {
        // Smart hosts take every domain; MX delivery groups by domain; local mailboxes go one by one.
        using var queue = new QueueRunnerFixture("@mx.test relay\n@other.test relay");
        QueueId id = await queue.QueueAsync("alice@example.net", "dave@far.example", "bob@example.org", "erin@away.example",
            "m1@mx.test", "o1@other.test", "m2@MX.test", "carol@example.org");

        PassSummary summary = await queue.Runner.RunOnceAsync(CancellationToken.None);

        Assert.Equal(7, summary.Delivered);
        Assert.Equal(
            [
                "bob@example.org -> maildir(/var/vmail/bob/)",
                "carol@example.org -> maildir(/var/vmail/carol/)",
                "dave@far.example, erin@away.example -> relay(smarthost.example.net:25)",
                "m1@mx.test, m2@mx.test -> relay",
                "o1@other.test -> relay",
            ], queue.Agent.Jobs.Select(j => $"{string.Join(", ", j.Recipients.Select(r => r.Recipient))} -> {j.Mailer}").Order());
        _ = id;
    }

    [Fact]
    public async Task KeepsEachRecipientsOwnOutcomeFromAJointDelivery()
    {
        using var queue = new QueueRunnerFixture();
        queue.Agent.Script["erin@away.example"] = DeliveryResult.Deferred("4.2.1", "try later");
        queue.Agent.Script["fred@away.example"] = DeliveryResult.Failed("5.1.1", "no such user");
        QueueId id = await queue.QueueAsync("alice@example.net", "dave@far.example", "erin@away.example", "fred@away.example");

        await queue.Runner.RunOnceAsync(CancellationToken.None);

        Envelope envelope = queue.Envelope(id);
        Assert.Equal([DeliveryState.Delivered, DeliveryState.Pending, DeliveryState.Failed], envelope.Recipients.Select(r => r.State));
        Assert.Equal("4.2.1 try later", envelope.Recipients[1].LastError);
        Assert.Single(queue.Agent.Jobs);
        Assert.Contains("no such user", Assert.Single(queue.Notices()).Text);
    }

    [Fact]
    public async Task BouncesAPermanentFailureAtOnceToTheSender()
    {
        using var queue = new QueueRunnerFixture();
        queue.Agent.Script["carol@example.org"] = DeliveryResult.Failed("5.2.2", "mailbox full");
        await queue.QueueAsync("alice@example.net", "bob@example.org", "carol@example.org");

        await queue.Runner.RunOnceAsync(CancellationToken.None);

        (Envelope notice, string text) = Assert.Single(queue.Notices());
        Assert.Null(notice.Sender);
        Assert.Equal("alice@example.net", Assert.Single(notice.Recipients).Recipient.ToString());
        Assert.Contains("multipart/report", text);
        Assert.Contains("Final-Recipient: rfc822; carol@example.org", text);
        Assert.Contains("Status: 5.2.2", text);
        Assert.Contains("mailbox full", text);
        Assert.DoesNotContain("bob@example.org", text.Split("Content-Type: message/delivery-status")[1].Split("Content-Type: message/rfc822")[0]);
    }

    [Fact]
    public async Task SendsADoubleBounceToThePostmasterAndNeverBouncesANotice()
    {
        using var queue = new QueueRunnerFixture();
        queue.Agent.Script["carol@example.org"] = DeliveryResult.Failed("5.1.1", "no such mailbox");
        await queue.QueueAsync(null, "carol@example.org");

        await queue.Runner.RunOnceAsync(CancellationToken.None);

        (Envelope notice, _) = Assert.Single(queue.Notices());
        Assert.Equal("postmaster@mx.example.org", Assert.Single(notice.Recipients).OriginalRecipient.ToString());

        // The double bounce fails too: nobody is told again, and nothing is left.
        queue.Agent.Script["root@mx.example.org"] = DeliveryResult.Failed("5.2.2", "full");
        queue.Agent.Script["postmaster@mx.example.org"] = DeliveryResult.Failed("5.2.2", "full");
        await queue.Runner.RunOnceAsync(CancellationToken.None);
        Assert.Empty(queue.Spool.List());
    }

    [Fact]
    public async Task GivesUpAfterTheQueueLifetimeWithABounce()
    {
        using var queue = new QueueRunnerFixture("queue-lifetime 5d\ndelay-warning off");
        queue.Agent.Script["carol@example.org"] = DeliveryResult.Deferred("4.4.1", "connection refused");
        queue.Agent.Script["alice@example.net"] = DeliveryResult.Deferred("4.4.1", "keep the notice queued to read it");
        await queue.QueueAsync("alice@example.net", "carol@example.org");

        for (int day = 0; day < 7 && queue.Spool.List().Any(id => queue.Envelope(id).Sender is not null); day++)
        {
            await queue.Runner.RunOnceAsync(CancellationToken.None);
            queue.Time.Advance(TimeSpan.FromHours(25));
        }

        (Envelope _, string text) = Assert.Single(queue.Notices());
        Assert.Contains("Action: failed", text);
        Assert.Contains("Status: 5.4.7", text);
        Assert.Contains("connection refused", text);
    }

    [Fact]
    public async Task WarnsOnceAboutADelay()
    {
        using var queue = new QueueRunnerFixture("delay-warning 4h\nretry 1h");
        queue.Agent.Script["carol@example.org"] = DeliveryResult.Deferred("4.4.1", "connection refused");
        queue.Agent.Script["alice@example.net"] = DeliveryResult.Deferred("4.4.1", "keep the notice queued to read it");
        QueueId id = await queue.QueueAsync("alice@example.net", "carol@example.org");

        for (int hour = 0; hour < 8; hour++)
        {
            await queue.Runner.RunOnceAsync(CancellationToken.None);
            queue.Time.Advance(TimeSpan.FromMinutes(70));
        }

        (Envelope _, string text) = Assert.Single(queue.Notices());
        Assert.Contains("Action: delayed", text);
        Assert.True(queue.Envelope(id).DelayWarningSent);
    }

    [Fact]
    public async Task LeavesAMessageAloneWhileAnotherRunnerHoldsIt()
    {
        using var queue = new QueueRunnerFixture();
        QueueId id = await queue.QueueAsync("alice@example.net", "bob@example.org");
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        queue.Agent.Before = async _ => { entered.TrySetResult(); await release.Task; };

        Task first = queue.Runner.RunOnceAsync(CancellationToken.None);
        await entered.Task;
        var other = new QueueRunner(queue.Spool, new ScriptedAgent(), () => new RunnerConfig(queue.Config.Settings, queue.Resolver),
            queue.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        PassSummary second = await other.RunOnceAsync(CancellationToken.None);
        release.SetResult();
        await first;

        Assert.Equal(1, second.Busy);
        Assert.Equal(0, second.Delivered);
        Assert.Single(queue.Agent.Jobs);
        Assert.Empty(queue.Spool.List());
        _ = id;
    }

    [Fact]
    public async Task DefersWhenAMailerThrowsAndLosesNothing()
    {
        using var queue = new QueueRunnerFixture();
        queue.Agent.Before = _ => throw new InvalidOperationException("bug");
        QueueId id = await queue.QueueAsync("alice@example.net", "bob@example.org");

        await queue.Runner.RunOnceAsync(CancellationToken.None);

        Envelope envelope = queue.Envelope(id);
        Assert.Equal(DeliveryState.Pending, Assert.Single(envelope.Recipients).State);
        Assert.StartsWith("4.3.0", envelope.Recipients[0].LastError);
    }

    [Fact]
    public async Task MovesACorruptEnvelopeAsideAndGoesOn()
    {
        using var queue = new QueueRunnerFixture();
        QueueId broken = await queue.QueueAsync("alice@example.net", "bob@example.org");
        QueueId good = await queue.QueueAsync("alice@example.net", "carol@example.org");
        string envelopePath = Path.ChangeExtension(queue.Spool.MessagePath(broken), ".env");
        File.WriteAllText(envelopePath, "version: 1\nid: garbage\n");

        PassSummary summary = await queue.Runner.RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, summary.Delivered);
        Assert.Empty(queue.Spool.List());
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(queue.Spool.Root, "corrupt")));
        _ = good;
    }

    [Fact]
    public async Task TheDaemonLoopDeliversANotifiedMessageAtOnce()
    {
        using var queue = new QueueRunnerFixture();
        using var stop = new CancellationTokenSource();
        Task loop = queue.Runner.RunAsync(stop.Token);

        QueueId id = await queue.QueueAsync("alice@example.net", "bob@example.org");
        queue.Runner.Notify(id);
        for (int i = 0; i < 200 && queue.Spool.List().Any(); i++)
            await Task.Delay(25);

        stop.Cancel();
        await loop;
        Assert.Empty(queue.Spool.List());
    }

    [Fact]
    public async Task A_shutdown_during_delivery_keeps_the_recipients_already_delivered()
    {
        using var queue = new QueueRunnerFixture();
        using var stop = new CancellationTokenSource();
        var bobDone = new TaskCompletionSource();
        queue.Agent.Before = async job =>
        {
            if (job.Recipients[0].Recipient.LocalPart == "bob")
            {
                bobDone.SetResult();
                return;
            }
            await bobDone.Task;
            stop.Cancel();                                  // the daemon stops while carol's delivery runs
            throw new OperationCanceledException(stop.Token);
        };
        QueueId id = await queue.QueueAsync("alice@example.net", "bob@example.org", "carol@example.org");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.Runner.RunOnceAsync(stop.Token));

        Assert.Equal([DeliveryState.Delivered, DeliveryState.Pending], queue.Envelope(id).Recipients.Select(r => r.State));
    }
}
