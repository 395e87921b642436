using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Delivery;
using Postmaster.Platform;
using Postmaster.Queue;
using Postmaster.Smtp.Client;
using Postmaster.Spool;
using Postmaster.Tests.Smtp.Client.Peers;
using Xunit;

namespace Postmaster.Tests.Queue;

/// <summary>The queue runner with the real relay mailer against real and scripted next hops: what a next hop
/// answers becomes the recipient's state, a DSN, or a retry; a next hop that misbehaves costs one deferred
/// attempt and nothing else.</summary>
public sealed class RelayQueueTests
{
    static (QueueRunnerFixture Queue, RelayMailer Mailer) Fixture(string routes, TimeSpan? timeout = null)
    {
        var options = new SmtpClientOptions(QueueRunnerFixture.Hostname) { Timeouts = ClientTimeouts.All(timeout ?? TimeSpan.FromSeconds(20)) };
        var mailer = new RelayMailer(new NextHopResolver([], TimeSpan.FromSeconds(2)), () => options, NullLogger.Instance);
        var agent = new MailerDispatch(LocalDeliveryProcess.Direct(), PasswdDatabase.Instance, mailer);
        return (new QueueRunnerFixture($"retry 10m\n{routes}", agent), mailer);
    }

    [Fact]
    public async Task DefersOnATemporaryRefusalAndDeliversOnTheRetry()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--rcpt-reply-once", "bob@relay.test=451 4.7.1 greylisted, come back later");
        (QueueRunnerFixture queue, RelayMailer mailer) = Fixture($"@relay.test relay(127.0.0.1:{peer.EndPoint.Port})");
        using (queue)
        await using (mailer)
        {
            QueueId id = await queue.QueueAsync("alice@example.net", "bob@relay.test");

            await queue.Runner.RunOnceAsync(CancellationToken.None);
            EnvelopeRecipient pending = Assert.Single(queue.Envelope(id).Recipients);
            Assert.Equal(DeliveryState.Pending, pending.State);
            Assert.Equal($"4.7.1 127.0.0.1[127.0.0.1]:{peer.EndPoint.Port}: 451 4.7.1 greylisted, come back later", pending.LastError);
            Assert.Empty(peer.Messages());

            queue.Time.Advance(TimeSpan.FromMinutes(12));
            PassSummary retry = await queue.Runner.RunOnceAsync(CancellationToken.None);

            Assert.Equal(1, retry.Delivered);
            Assert.Empty(queue.Spool.List());
            Assert.Equal(["bob@relay.test"], Assert.Single(peer.Messages()).RcptTos);
        }
    }

    [Fact]
    public async Task BouncesAPermanentRefusalWithADsnThatQuotesTheRemoteReply()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--rcpt-reply", "bob@relay.test=550 5.1.1 <bob@relay.test>: no such user here");
        (QueueRunnerFixture queue, RelayMailer mailer) = Fixture($"@relay.test relay(127.0.0.1:{peer.EndPoint.Port})");
        using (queue)
        await using (mailer)
        {
            QueueId id = await queue.QueueAsync("alice@example.net", "bob@relay.test", "carol@relay.test");

            PassSummary pass = await queue.Runner.RunOnceAsync(CancellationToken.None);

            Assert.Equal(1, pass.Delivered);
            Assert.Equal(1, pass.Failed);
            Assert.DoesNotContain(id, queue.Spool.List());
            (Envelope notice, string text) = Assert.Single(queue.Notices());
            Assert.Equal("alice@example.net", Assert.Single(notice.Recipients).Recipient.ToString());
            Assert.Contains("Final-Recipient: rfc822; bob@relay.test", text);
            Assert.Contains("Status: 5.1.1", text);
            Assert.Contains("Remote-MTA: dns; 127.0.0.1", text);
            Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 <bob@relay.test>: no such user here", text);
            Assert.DoesNotContain("carol@relay.test", text);   // delivered: not in the report
        }
    }

    public static TheoryData<string, string> Misbehaviours => new()
    {
        { "garbage", "protocol error from" },
        { "mismatched", "reply lines with different codes 250 and 550" },
        { "close", "connection closed by the server" },
        { "stall", "timed out during MAIL FROM" },
        { "greeting", "malformed reply line" },
    };

    [Theory, MemberData(nameof(Misbehaviours))]
    public async Task ANextHopThatMisbehavesCostsOneDeferredAttemptAndTheRunnerCarriesOn(string misbehaviour, string expected)
    {
        await using var broken = ScriptedPeer.Serve(async (link, _) =>
        {
            if (misbehaviour == "greeting")
            {
                await link.SendAsync("HTTP/1.1 400 Bad Request\r\n");
                link.Close();
                return;
            }
            await ScriptedPeer.GreetAsync(link);
            await link.ExpectAsync("MAIL");
            switch (misbehaviour)
            {
                case "garbage":
                    await link.SendAsync("\u0001\u0002 what?\r\n");
                    break;
                case "mismatched":
                    await link.SendAsync("250-2.1.0 fine\r\n550 5.0.0 or not\r\n");
                    break;
                case "close":
                    link.Close();
                    return;
                default:
                    await link.StallAsync();
                    break;
            }
            await link.StallAsync();
        });
        await using AiosmtpdPeer good = await AiosmtpdPeer.StartAsync();
        (QueueRunnerFixture queue, RelayMailer mailer) = Fixture(
            $"@broken.test relay(127.0.0.1:{broken.EndPoint.Port})\n@good.test relay(127.0.0.1:{good.EndPoint.Port})", TimeSpan.FromSeconds(1));
        using (queue)
        await using (mailer)
        {
            QueueId stuck = await queue.QueueAsync("alice@example.net", "bob@broken.test");
            QueueId fine = await queue.QueueAsync("alice@example.net", "carol@good.test");

            PassSummary pass = await queue.Runner.RunOnceAsync(CancellationToken.None);

            Assert.Equal(1, pass.Delivered);
            Assert.Equal(1, pass.Deferred);
            Assert.Equal([stuck], queue.Spool.List());
            Assert.True(File.Exists(queue.Spool.MessagePath(stuck)));
            EnvelopeRecipient bob = Assert.Single(queue.Envelope(stuck).Recipients);
            Assert.Equal(DeliveryState.Pending, bob.State);
            Assert.StartsWith("4.4.2 ", bob.LastError);
            Assert.Contains(expected, bob.LastError);
            Assert.Empty(queue.Notices());
            Assert.Single(good.Messages());
            _ = fine;

            // The next attempt opens a new connection: the broken one was dropped, not kept for reuse.
            queue.Time.Advance(TimeSpan.FromMinutes(12));
            await queue.Runner.RunOnceAsync(CancellationToken.None);
            Assert.Equal(2, broken.Connections);
            Assert.Equal(2, queue.Envelope(stuck).Attempts);
        }
    }
}
