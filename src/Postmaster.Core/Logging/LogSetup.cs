using System.Text;
using Microsoft.Extensions.Logging;
using Postmaster.Config;

namespace Postmaster.Logging;

/// <summary>Builds the daemon's logger factory for the <c>log</c> setting: one event per line, on stderr
/// (journald-aware) or to syslog. Dispose the factory at exit to flush what is still queued.</summary>
public static class LogSetup
{
    public static ILoggerFactory Create(LogTarget target, LogLevel minimum = LogLevel.Information) =>
        Create(target, minimum, new LogOutputs());

    internal static ILoggerFactory Create(LogTarget target, LogLevel minimum, LogOutputs outputs)
    {
        TextWriter stderr = outputs.Stderr ?? new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(false));
        // systemd sets JOURNAL_STREAM when stderr is connected to the journal (systemd.exec(5)).
        bool journal = outputs.Journal ?? !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));
        ILineWriter writer = new StderrWriter(stderr, journal);
        string? warning = null;
        if (target == LogTarget.Syslog)
        {
            if (SyslogWriter.TryOpen(outputs.SyslogPath, writer, outputs.Zone, out SyslogWriter? syslog, out string problem))
                writer = syslog!;
            else
                warning = $"syslog socket {outputs.SyslogPath} is not available ({LineFormatter.OneLine(problem)}); logging to stderr";
        }

        var provider = new LineLoggerProvider(writer, minimum, outputs.Time, outputs.QueueCapacity);
        if (warning is not null)
            provider.Enqueue(LogLevel.Warning, warning);
        var factory = new LoggerFactory([], new LoggerFilterOptions { MinLevel = minimum });
        factory.AddProvider(provider);   // added, not passed in: the factory then disposes (and drains) it
        return factory;
    }
}

/// <summary>What <see cref="LogSetup"/> writes to; tests replace the defaults.</summary>
internal sealed record LogOutputs
{
    /// <summary>Null: the process's standard error.</summary>
    public TextWriter? Stderr { get; init; }

    /// <summary>Null: decided by JOURNAL_STREAM.</summary>
    public bool? Journal { get; init; }

    public string SyslogPath { get; init; } = SyslogWriter.DefaultSocketPath;
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Local;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public int QueueCapacity { get; init; } = LineLoggerProvider.DefaultCapacity;
}
