using Microsoft.Extensions.Logging;
using Postmaster.Logging;
using Xunit;

namespace Postmaster.Tests.Logging;

public class LineFormatterTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\r\nb", "a b")]
    [InlineData("a\n\nb", "a  b")]
    [InlineData("a\rb\tc\0d\u001be", "a b c d e")]
    [InlineData("a\u0085b\u2028c\u2029d", "a b c d")]
    public void TurnsEveryLineBreakAndControlCharacterIntoASpace(string text, string expected) =>
        Assert.Equal(expected, LineFormatter.OneLine(text));

    [Fact]
    public void FormatsAnExceptionWithoutAMessage() =>
        Assert.Equal("TimeoutException: late", LineFormatter.Format("", new TimeoutException("late"), withStackTrace: false));

    [Fact]
    public void FormatsTheTimestampInUtcWithMilliseconds() =>
        Assert.Equal("2026-11-25T13:00:00.007Z",
            LineFormatter.Timestamp(new DateTimeOffset(2026, 11, 25, 14, 0, 0, 7, TimeSpan.FromHours(1))));

    [Theory]
    [InlineData(LogLevel.Critical, 2)]
    [InlineData(LogLevel.Error, 3)]
    [InlineData(LogLevel.Warning, 4)]
    [InlineData(LogLevel.Information, 6)]
    [InlineData(LogLevel.Debug, 7)]
    [InlineData(LogLevel.Trace, 7)]
    public void MapsLevelsToSyslogSeverities(LogLevel level, int severity) =>
        Assert.Equal(severity, LineFormatter.Severity(level));
}
