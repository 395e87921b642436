using Xunit;
using Postmaster.Queue;

namespace Postmaster.Tests.Queue;

/// <summary>How many deliveries run at once: overall, and per destination by kind of mailer.</summary>
public sealed class QueueRunnerConcurrencyTests
{
    /// <summary>Queues <paramref name="messages"/> messages for one recipient, holds every delivery until the
    /// runner has started all it is allowed to, and returns the most seen in flight at once.</summary>
    static async Task<int> MostInFlightAsync(string routes, string recipient, int messages)
    {
        using var queue = new QueueRunnerFixture(routes);
        int inFlight = 0, most = 0;
        var release = new TaskCompletionSource();
        queue.Agent.Before = async _ =>
        {
            int now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await release.Task;
            Interlocked.Decrement(ref inFlight);
        };
        for (int i = 0; i < messages; i++)
            await queue.QueueAsync("alice@example.net", recipient);

        Task<PassSummary> pass = queue.Runner.RunOnceAsync(CancellationToken.None);
        // Wait until the count stops rising (the runner has started all it may), then let everything finish.
        int seen = -1;
        for (int quiet = 0; quiet < 20; quiet++)
        {
            await Task.Delay(25);
            if (Volatile.Read(ref most) != seen)
            {
                seen = Volatile.Read(ref most);
                quiet = 0;
            }
        }
        release.SetResult();
        PassSummary summary = await pass;
        Assert.Equal(messages, summary.Delivered);
        return most;
    }

    static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    [Fact]
    public async Task One_Maildir_takes_as_many_deliveries_at_once_as_the_overall_limit()
    {
        Assert.Equal(QueueRunner.MaxDeliveries, await MostInFlightAsync("", "bob@example.org", QueueRunner.MaxDeliveries + 10));
    }

    [Fact]
    public async Task Other_destinations_take_at_most_the_per_destination_limit()
    {
        Assert.Equal(QueueRunner.MaxPerDestination,
            await MostInFlightAsync("@pipes.example pipe(/bin/cat)", "x@pipes.example", 12));
    }
}
