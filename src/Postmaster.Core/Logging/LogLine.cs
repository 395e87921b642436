using Microsoft.Extensions.Logging;

namespace Postmaster.Logging;

/// <summary>One log event on its way from a logger to the writer thread: already a single line of text.</summary>
internal readonly record struct LogLine(LogLevel Level, DateTimeOffset Time, string Text);
