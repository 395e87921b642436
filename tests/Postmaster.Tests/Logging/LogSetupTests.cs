using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Postmaster.Tests.Logging;

public class LogSetupTests
{
    [Fact]
    public void PrefixesATimestampAndNoLevelWordForInformation()
    {
        var log = new LogCapture();
        log.Logger.LogInformation("0KX7M2C4J1QF queued from=<{From}> nrcpt={Count}", "alice@example.org", 2);
        Assert.Equal(["2026-11-05T13:00:00.123Z 0KX7M2C4J1QF queued from=<alice@example.org> nrcpt=2"], log.Finish());
    }

    [Fact]
    public void NamesTheLevelOfWarningsAndErrors()
    {
        var log = new LogCapture();
        log.Logger.LogWarning("disk almost full");
        log.Logger.LogError("cannot write");
        log.Logger.LogCritical("giving up");
        Assert.Equal([
            "2026-11-05T13:00:00.123Z warning: disk almost full",
            "2026-11-05T13:00:00.123Z error: cannot write",
            "2026-11-05T13:00:00.123Z critical: giving up",
        ], log.Finish());
    }

    [Fact]
    public void UnderJournaldPrefixesOnlyThePriority()
    {
        var log = new LogCapture(journal: true, minimum: LogLevel.Debug);
        log.Logger.LogError("e");
        log.Logger.LogWarning("w");
        log.Logger.LogInformation("i");
        log.Logger.LogDebug("d");
        Assert.Equal(["<3>e", "<4>w", "<6>i", "<7>d"], log.Finish());
    }

    [Fact]
    public void LeavesOutLevelsBelowTheMinimum()
    {
        var log = new LogCapture(journal: true);
        log.Logger.LogDebug("hidden");
        log.Logger.LogTrace("hidden");
        log.Logger.LogInformation("shown");
        Assert.False(log.Logger.IsEnabled(LogLevel.Debug));
        Assert.Equal(["<6>shown"], log.Finish());
    }

    [Fact]
    public void NeverWritesALineBreakFromAMessage()
    {
        var log = new LogCapture(journal: true);
        log.Logger.LogInformation("helo={Helo}", "evil\r\n<3>forged\nline\rend");
        Assert.Equal(["<6>helo=evil <3>forged line end"], log.Finish());
    }

    [Fact]
    public void PutsTheExceptionOnTheSameLine()
    {
        var log = new LogCapture(journal: true);
        log.Logger.LogError(new IOException("disk\nfull", new UnauthorizedAccessException("denied")), "session={Id} crashed", "5f2c1");
        Assert.Equal(["<3>session=5f2c1 crashed: IOException: disk full ---> UnauthorizedAccessException: denied"], log.Finish());
    }

    [Fact]
    public void LeavesOutTheStackTraceAboveDebug()
    {
        var log = new LogCapture(journal: true);
        log.Logger.LogError(Thrown(), "failed");
        Assert.Equal(["<3>failed: InvalidOperationException: boom"], log.Finish());
    }

    [Fact]
    public void AddsTheStackTraceOnTheSameLineAtDebug()
    {
        var log = new LogCapture(journal: true, minimum: LogLevel.Debug);
        log.Logger.LogError(Thrown(), "failed");
        string line = Assert.Single(log.Finish());
        Assert.StartsWith("<3>failed: System.InvalidOperationException: boom at ", line);
        Assert.Contains(nameof(Thrown), line);
    }

    [Fact]
    public void DisposingWritesEverythingStillQueued()
    {
        var log = new LogCapture(journal: true);
        for (int i = 0; i < 5000; i++)
            log.Logger.LogInformation("line {N}", i);
        string[] lines = log.Finish();
        Assert.Equal(5000, lines.Length);
        Assert.Equal("<6>line 4999", lines[^1]);
    }

    [Fact]
    public void DropsAndCountsLinesRatherThanBlockWhenTheQueueIsFull()
    {
        var output = new StringWriter();
        var stuck = new StuckWriter(output);
        var log = new LogCapture(journal: true, stderr: stuck, capacity: 4);

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++)
            log.Logger.LogInformation("line {N}", i);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "logging blocked on a stuck writer");

        stuck.Release();
        log.Factory.Dispose();
        string[] lines = output.ToString().TrimEnd('\n').Split('\n');
        string[] kept = [.. lines.Where(l => l.StartsWith("<6>line ", StringComparison.Ordinal))];
        string report = Assert.Single(lines, l => l.Contains("dropped", StringComparison.Ordinal));
        Assert.Matches(@"^<4>\d+ log lines dropped: the log queue was full$", report);
        int dropped = int.Parse(report[3..report.IndexOf(' ', StringComparison.Ordinal)]);
        Assert.True(dropped > 0);
        Assert.Equal(100, kept.Length + dropped);
    }

    static Exception Thrown()
    {
        try
        {
            throw new InvalidOperationException("boom");
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
    }

    /// <summary>A writer that hangs (like a stderr pipe nobody reads) until released.</summary>
    sealed class StuckWriter(TextWriter inner) : TextWriter
    {
        readonly ManualResetEventSlim released = new();

        public override System.Text.Encoding Encoding => inner.Encoding;

        public void Release() => released.Set();

        public override void Write(char value)
        {
            released.Wait();
            inner.Write(value);
        }

        public override void Write(string? value)
        {
            released.Wait();
            inner.Write(value);
        }
    }
}
