using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Postmaster.Logging;

/// <summary>Turns a message and an exception into one line of text, and knows the level words and priorities.
/// Nothing we log may span lines: a client can put anything in a command, and a line break in a log line
/// would let it forge the next event.</summary>
internal static class LineFormatter
{
    /// <summary>The message, then "ExceptionType: message" (and inner exceptions) on the same line; with
    /// <paramref name="withStackTrace"/> the whole exception text, its lines joined with spaces.</summary>
    public static string Format(string message, Exception? exception, bool withStackTrace)
    {
        if (exception is null)
            return OneLine(message);
        var text = new StringBuilder(OneLine(message));
        if (text.Length > 0)
            text.Append(": ");
        if (withStackTrace)
        {
            text.AppendJoin(' ', exception.ToString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(OneLine));
            return text.ToString();
        }
        AppendSummary(text, exception);
        int depth = 0;
        for (Exception? inner = exception.InnerException; inner is not null && depth < 5; inner = inner.InnerException, depth++)
        {
            text.Append(" ---> ");
            AppendSummary(text, inner);
        }
        return text.ToString();
    }

    static void AppendSummary(StringBuilder text, Exception exception) =>
        text.Append(exception.GetType().Name).Append(": ").Append(OneLine(exception.Message));

    /// <summary>Every line break (CRLF counts as one) and every other control character becomes a space.</summary>
    public static string OneLine(string text)
    {
        int first = text.AsSpan().IndexOfAnyInRange('\0', '\x1f');
        if (first < 0 && !text.AsSpan().ContainsAny('\x7f', '\u0085') && !text.AsSpan().ContainsAny('\u2028', '\u2029'))
            return text;
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                i++;
            result.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c);
        }
        return result.ToString();
    }

    /// <summary>"2026-11-25T13:00:00.123Z": ISO 8601, UTC, milliseconds.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The word before the message on stderr: only warnings and worse carry one.</summary>
    public static string LevelPrefix(LogLevel level) => level switch
    {
        LogLevel.Warning => "warning: ",
        LogLevel.Error => "error: ",
        LogLevel.Critical => "critical: ",
        _ => "",
    };

    /// <summary>The syslog severity (RFC 3164 §4.1.1), which is also sd-daemon(3)'s "&lt;N&gt;" prefix.</summary>
    public static int Severity(LogLevel level) => level switch
    {
        LogLevel.Critical => 2,
        LogLevel.Error => 3,
        LogLevel.Warning => 4,
        LogLevel.Information => 6,
        _ => 7,
    };
}
