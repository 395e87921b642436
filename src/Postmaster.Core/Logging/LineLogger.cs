using Microsoft.Extensions.Logging;

namespace Postmaster.Logging;

/// <summary>The logger every category gets: formats the event into one line and queues it. The category is
/// not printed; our lines say what they are about (STYLE.md §3.8). Scopes are not supported.</summary>
internal sealed class LineLogger(LineLoggerProvider provider, LogLevel minimum) : ILogger
{
    // Stack traces are for developers: only when they asked for Debug (or Trace) output.
    readonly bool withStackTrace = minimum <= LogLevel.Debug;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
            return;
        provider.Enqueue(logLevel, LineFormatter.Format(formatter(state, exception), exception, withStackTrace));
    }
}
