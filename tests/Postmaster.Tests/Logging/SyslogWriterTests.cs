using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Postmaster.Config;
using Xunit;

namespace Postmaster.Tests.Logging;

/// <summary>Syslog output against a real Unix datagram socket standing in for /dev/log.</summary>
public sealed class SyslogWriterTests : IDisposable
{
    readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("pm-syslog-");
    readonly Socket syslogd;
    readonly string path;

    public SyslogWriterTests()
    {
        path = Path.Combine(directory.FullName, "log");
        syslogd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { ReceiveTimeout = 5000 };
        syslogd.Bind(new UnixDomainSocketEndPoint(path));
    }

    public void Dispose()
    {
        syslogd.Dispose();
        directory.Delete(recursive: true);
    }

    string Receive()
    {
        byte[] buffer = new byte[65536];
        int length = syslogd.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    [Fact]
    public void SendsRfc3164DatagramsWithFacilityMailAndTheTag()
    {
        var log = new LogCapture(target: LogTarget.Syslog, syslogPath: path);
        log.Logger.LogInformation("0KX7M2C4J1QF queued");
        log.Logger.LogWarning("two\nlines");
        log.Logger.LogError("bad");
        log.Factory.Dispose();

        string tag = $"postmaster[{Environment.ProcessId}]";
        // <facility mail (2) * 8 + severity>, "Mmm dd hh:mm:ss" with the day padded by a space (RFC 3164 §4.1.2).
        Assert.Equal($"<22>Nov  5 13:00:00 {tag}: 0KX7M2C4J1QF queued", Receive());
        Assert.Equal($"<20>Nov  5 13:00:00 {tag}: two lines", Receive());
        Assert.Equal($"<19>Nov  5 13:00:00 {tag}: bad", Receive());
    }

    [Fact]
    public void CutsOverlongLinesOnACharacterBoundary()
    {
        var log = new LogCapture(target: LogTarget.Syslog, syslogPath: path);
        log.Logger.LogInformation("{Text}", new string('é', 10_000));
        log.Factory.Dispose();

        string datagram = Receive();
        Assert.True(Encoding.UTF8.GetByteCount(datagram) <= 8192);
        Assert.EndsWith("é", datagram);
        Assert.DoesNotContain('\uFFFD', datagram);
    }

    [Fact]
    public void FallsBackToStderrWithOneWarningWhenThereIsNoSyslogSocket()
    {
        string missing = Path.Combine(directory.FullName, "missing");
        var log = new LogCapture(target: LogTarget.Syslog, syslogPath: missing);
        log.Logger.LogInformation("still logged");
        string[] lines = log.Finish();

        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"2026-11-05T13:00:00.123Z warning: syslog socket {missing} is not available (", lines[0]);
        Assert.EndsWith("); logging to stderr", lines[0]);
        Assert.Equal("2026-11-05T13:00:00.123Z still logged", lines[1]);
    }
}
