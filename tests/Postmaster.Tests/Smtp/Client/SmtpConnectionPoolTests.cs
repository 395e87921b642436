using System.Net;
using Postmaster.Delivery;
using Postmaster.Smtp.Client;
using Postmaster.Tests.Smtp.Client.Peers;
using Xunit;
using static Postmaster.Tests.Smtp.Client.ClientHarness;

namespace Postmaster.Tests.Smtp.Client;

/// <summary>Connection reuse against real servers: aiosmtpd for the well-behaved case, scripted peers for servers
/// that drop a connection while it waits in the pool.</summary>
public sealed class SmtpConnectionPoolTests
{
    static readonly SmtpClientOptions Options = ClientHarness.Options();

    static NextHop Hop(IPEndPoint endPoint) => new("peer.test", endPoint.Address, endPoint.Port);

    static async Task<TransactionResult> SendAsync(SmtpConnectionPool pool, IPEndPoint endPoint, string subject, bool fresh = false,
        params string[] recipients)
    {
        await using SmtpConnectionPool.Lease lease = await pool.AcquireAsync(Hop(endPoint), Options, fresh, CancellationToken.None);
        Assert.True(lease.Client is not null, lease.Result.ToString());
        return await lease.Client.SendTransactionAsync(Message(Text(subject, "Hi.\r\n"), recipients is [] ? ["bob@example.net"] : recipients),
            CancellationToken.None);
    }

    [Fact]
    public async Task SendsTheNextMessageOverTheSameConnectionAfterRset()
    {
        await using var peer = await AiosmtpdPeer.StartAsync("--pipelining");
        await using var pool = new SmtpConnectionPool();

        for (int i = 1; i <= 3; i++)
            Assert.Equal(DeliveryOutcome.Delivered, Assert.Single((await SendAsync(pool, peer.EndPoint, $"m{i}")).Results).Outcome);

        Assert.Equal(3, peer.Messages().Length);
        Assert.Equal(1, pool.IdleCount);
        Assert.All(peer.Transcript(), line => Assert.StartsWith("1 ", line));   // one connection for all three
        Assert.Equal(["EHLO client.example.org", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.net>", "DATA",
            "RSET", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.net>", "DATA",
            "RSET", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.net>", "DATA"], peer.Commands());
    }

    [Fact]
    public async Task ClosesAnIdleConnectionWithQuitAfterTheIdleTime()
    {
        await using var peer = await AiosmtpdPeer.StartAsync();
        await using var pool = new SmtpConnectionPool(idleTime: TimeSpan.FromMilliseconds(300));

        await SendAsync(pool, peer.EndPoint, "idle");
        Assert.Equal(1, pool.IdleCount);
        for (int i = 0; i < 100 && peer.Commands().LastOrDefault() != "QUIT"; i++)
            await Task.Delay(50);

        Assert.Equal("QUIT", peer.Commands().Last());
        Assert.Equal(0, pool.IdleCount);
        await SendAsync(pool, peer.EndPoint, "after");   // a new connection, greeted again
        Assert.Equal(2, peer.Commands().Count(c => c.StartsWith("EHLO", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task LendsAConnectionToOneDeliveryAtATimeAndNoMoreThanTheLimit()
    {
        await using var peer = await AiosmtpdPeer.StartAsync("--pipelining");
        await using var pool = new SmtpConnectionPool(maxPerHop: 2);

        TransactionResult[] all = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => SendAsync(pool, peer.EndPoint, $"m{i}")));

        Assert.All(all, r => Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(r.Results).Outcome));
        Assert.Equal(8, peer.Messages().Length);
        var connections = peer.Transcript().GroupBy(line => line.Split(' ')[0]).ToList();
        Assert.InRange(connections.Count, 1, 2);
        foreach (var connection in connections)
        {
            // Each connection's commands are whole transactions one after the other: never two at once.
            string[] commands = [.. connection.Select(line => line.Split(' ', 4)[3].Split(':')[0].Split(' ')[0])];
            Assert.Equal("EHLO", commands[0]);
            string[] expected = [.. Enumerable.Range(0, commands.Length / 4)
                .SelectMany(i => i == 0 ? new[] { "MAIL", "RCPT", "DATA" } : ["RSET", "MAIL", "RCPT", "DATA"])];
            Assert.Equal(expected, commands[1..]);
        }
    }

    [Fact]
    public async Task OpensANewConnectionWhenTheServerClosedTheIdleOne()
    {
        // The server's own idle timeout, as real servers have: it says 421 and closes.
        await using var peer = ScriptedPeer.Serve(async (link, _) =>
        {
            await ScriptedPeer.GreetAsync(link, "PIPELINING");
            await OneTransactionAsync(link, pipelined: true);
            await link.SendAsync("421 4.4.2 peer.test idle for too long\r\n");
            link.Close();
        });
        await using var pool = new SmtpConnectionPool();

        TransactionResult first = await SendAsync(pool, peer.EndPoint, "first");
        await WaitUntilAsync(() => peer.Received.Count(l => l == ".") == 1);
        await Task.Delay(200);   // the 421 and the close arrive
        TransactionResult second = await SendAsync(pool, peer.EndPoint, "second");

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(first.Results).Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(second.Results).Outcome);
        Assert.False(second.Stale);
        Assert.Equal(2, peer.Connections);
        Assert.DoesNotContain("RSET", peer.Received);   // the dead connection was not even tried
    }

    [Fact]
    public async Task ReportsACachedConnectionThatBreaksBeforeAnyReplyAsStale()
    {
        // The server gives up on the connection just as the next transaction starts: it reads RSET and closes.
        await using var peer = ScriptedPeer.Serve(async (link, number) =>
        {
            await ScriptedPeer.GreetAsync(link);
            await OneTransactionAsync(link, pipelined: false);
            if (number == 1)
            {
                await link.ExpectAsync("RSET");
                link.Close();
            }
            else
            {
                await link.ExpectAsync("QUIT");
                await link.SendAsync("221 2.0.0 bye\r\n");
            }
        });
        await using var pool = new SmtpConnectionPool();

        TransactionResult first = await SendAsync(pool, peer.EndPoint, "first");
        TransactionResult stale = await SendAsync(pool, peer.EndPoint, "second");
        TransactionResult retried = await SendAsync(pool, peer.EndPoint, "second", fresh: true);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(first.Results).Outcome);
        Assert.True(stale.Stale);
        Assert.Equal(DeliveryOutcome.Deferred, Assert.Single(stale.Results).Outcome);
        Assert.False(retried.Stale);
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(retried.Results).Outcome);
        Assert.Equal(2, peer.Connections);
    }

    [Fact]
    public async Task NeverCallsABrokenTransactionStaleOnAFreshConnection()
    {
        await using var peer = ScriptedPeer.Start(async link =>
        {
            await ScriptedPeer.GreetAsync(link);
            await link.ExpectAsync("MAIL");
            link.Close();
        });
        await using var pool = new SmtpConnectionPool();

        TransactionResult result = await SendAsync(pool, peer.EndPoint, "broken");

        Assert.False(result.Stale);
        Assert.Equal("4.4.2", Assert.Single(result.Results).Status);
        Assert.Equal(0, pool.IdleCount);   // a broken connection does not go back into the pool
    }

    [Fact]
    public async Task WaitsForAFreeConnectionAndGivesUpWhenCancelled()
    {
        await using var peer = await AiosmtpdPeer.StartAsync();
        await using var pool = new SmtpConnectionPool(maxPerHop: 1);
        SmtpConnectionPool.Lease held = await pool.AcquireAsync(Hop(peer.EndPoint), Options, false, CancellationToken.None);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.AcquireAsync(Hop(peer.EndPoint), Options, false, cancel.Token));
        Task<SmtpConnectionPool.Lease> waiting = pool.AcquireAsync(Hop(peer.EndPoint), Options, false, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        await using SmtpConnectionPool.Lease next = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(next.Reused);
        Assert.Same(held.Client, next.Client);
    }

    [Fact]
    public async Task SaysQuitToItsIdleConnectionsWhenDisposed()
    {
        await using var peer = await AiosmtpdPeer.StartAsync();
        var pool = new SmtpConnectionPool();
        await SendAsync(pool, peer.EndPoint, "one");

        await pool.DisposeAsync();

        Assert.Equal("QUIT", peer.Commands().Last());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.AcquireAsync(Hop(peer.EndPoint), Options, false, CancellationToken.None));
    }

    /// <summary>MAIL, RCPT, DATA and the content, answered as a server would.</summary>
    static async Task OneTransactionAsync(PeerLink link, bool pipelined)
    {
        if (pipelined)
        {
            await link.ExpectAsync("MAIL");
            await link.ExpectAsync("RCPT");
            await link.ExpectAsync("DATA");
            await link.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go on\r\n");
        }
        else
        {
            await link.ExpectAsync("MAIL");
            await link.SendAsync("250 2.1.0 ok\r\n");
            await link.ExpectAsync("RCPT");
            await link.SendAsync("250 2.1.5 ok\r\n");
            await link.ExpectAsync("DATA");
            await link.SendAsync("354 go on\r\n");
        }
        while (await link.ReadLineAsync() is { } line && line != ".")
        {
        }
        await link.SendAsync("250 2.0.0 queued\r\n");
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
            await Task.Delay(25);
        Assert.True(condition());
    }
}
