using System.Diagnostics;
using System.Net;
using DnsClient;
using Postmaster.Mail;
using Postmaster.Spf;
using Xunit;

namespace Postmaster.Tests.Spf;

public sealed class SpfWorkersTests
{
    static long In(TimeSpan time) => Stopwatch.GetTimestamp() + (long)(time.TotalSeconds * Stopwatch.Frequency);

    [Fact]
    public async Task RunsWorkOnItsOwnThreads()
    {
        using var workers = new SpfWorkers(2);

        string? name = await workers.RunAsync(() => Thread.CurrentThread.Name, In(TimeSpan.FromSeconds(5)));

        Assert.StartsWith("spf-", name);
    }

    [Fact]
    public async Task DropsWorkThatWaitedInTheQueuePastItsDeadline()
    {
        using var workers = new SpfWorkers(1);
        using var release = new ManualResetEventSlim();
        Task<bool> busy = workers.RunAsync(() => release.Wait(TimeSpan.FromSeconds(10)), In(TimeSpan.FromSeconds(10)));
        bool ran = false;
        Task<bool> late = workers.RunAsync(() => ran = true, In(TimeSpan.FromMilliseconds(100)));

        await Task.Delay(300);
        release.Set();

        Assert.True(await busy);
        await Assert.ThrowsAsync<TimeoutException>(() => late);
        Assert.False(ran);
    }

    [Fact]
    public async Task ACheckThatFindsNoFreeWorkerIsATempErrorAtItsDeadline()
    {
        using var workers = new SpfWorkers(1);
        using var release = new ManualResetEventSlim();
        _ = workers.RunAsync(() => release.Wait(TimeSpan.FromSeconds(10)), In(TimeSpan.FromSeconds(10)));
        var evaluator = new SpfEvaluator(new LookupClient(IPAddress.Loopback, 9), "mx.receiver.test", workers);
        var clock = Stopwatch.StartNew();

        SpfOutcome outcome = await evaluator.CheckAsync(new SpfQuery(IPAddress.Parse("192.0.2.2"), "client",
            Mailbox.Parse("alice@pass.test"), SpfIdentity.MailFrom), In(TimeSpan.FromMilliseconds(300)), CancellationToken.None);
        release.Set();

        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Equal("timeout", outcome.Problem);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
    }
}
