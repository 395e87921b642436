using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Config;
using Postmaster.Logging;
using Xunit;

namespace Postmaster.Tests.Logging;

/// <summary>A logger factory writing to a string instead of stderr, with a fixed clock.</summary>
internal sealed class LogCapture
{
    public static readonly DateTimeOffset Now = new(2026, 11, 5, 13, 0, 0, 123, TimeSpan.Zero);

    readonly StringWriter output = new();

    public LogCapture(bool journal = false, LogLevel minimum = LogLevel.Information, LogTarget target = LogTarget.Stderr,
        string syslogPath = "/nonexistent/log", TextWriter? stderr = null, int capacity = 10_000)
    {
        Factory = LogSetup.Create(target, minimum, new LogOutputs
        {
            Stderr = stderr ?? output,
            Journal = journal,
            SyslogPath = syslogPath,
            Zone = TimeZoneInfo.Utc,
            Time = new FakeTimeProvider(Now),
            QueueCapacity = capacity,
        });
        Logger = Factory.CreateLogger("test");
    }

    public ILoggerFactory Factory { get; }
    public ILogger Logger { get; }

    /// <summary>Disposes the factory (which drains the queue) and returns the lines written.</summary>
    public string[] Finish()
    {
        Factory.Dispose();
        string text = output.ToString();
        Assert.EndsWith("\n", text);
        return text[..^1].Split('\n');
    }
}
