using Postmaster.Delivery;
using Postmaster.Smtp.Client;
using Postmaster.Tests.Smtp.Client.Peers;
using Xunit;
using static Postmaster.Tests.Smtp.Client.ClientHarness;

namespace Postmaster.Tests.Smtp.Client;

/// <summary>Postfix's smtp-sink: a fast pipelining sink, as in the relay benchmark.</summary>
public sealed class SmtpSinkTests
{
    [Fact]
    public async Task DeliversManyMessagesOverOneConnection()
    {
        using var sink = await SmtpSinkPeer.StartAsync();
        await using var client = await ConnectAsync(sink.EndPoint);
        Assert.True(client.Extensions!.Has(ServerCapabilities.Pipelining));

        for (int i = 0; i < 25; i++)
        {
            string body = $"Message {i}.\r\n.dot line {i}\r\n" + string.Concat(Enumerable.Repeat(new string('z', 76) + "\r\n", 50));
            var results = await client.SendAsync(Message(Text($"sink {i}", body), "bob@example.net", $"user{i}@example.net"), CancellationToken.None);
            Assert.All(results, r => Assert.Equal(DeliveryOutcome.Delivered, r.Outcome));
        }
        await client.QuitAsync(CancellationToken.None);

        string[] dumps = await WaitForAsync(sink, 25);
        Assert.Equal(25, dumps.Length);
        Assert.All(dumps, dump => Assert.Equal(2, dump.Split('\n').Count(line => line.StartsWith("X-Rcpt-Args:", StringComparison.Ordinal))));
        Assert.Contains(dumps, dump => dump.Contains("\nMessage 7.\n.dot line 7\n"));   // unstuffed (the dump has LF line ends)
    }

    static async Task<string[]> WaitForAsync(SmtpSinkPeer sink, int count)
    {
        for (int i = 0; i < 100; i++)
        {
            string[] dumps = sink.Dumps();
            if (dumps.Length >= count)
                return dumps;
            await Task.Delay(50);
        }
        return sink.Dumps();
    }
}
