using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Postmaster.Logging;

/// <summary>Log lines as RFC 3164 datagrams to the local syslog socket (/dev/log), facility mail, tag
/// "postmaster[pid]", like glibc's syslog(3). Lines syslog will not take go to the fallback (stderr).</summary>
internal sealed class SyslogWriter : ILineWriter
{
    public const string DefaultSocketPath = "/dev/log";
    const int FacilityMail = 2;                     // RFC 3164 §4.1.1
    // rsyslog's default maxMessageSize is 8k; longer datagrams would be cut or dropped there.
    const int MaxDatagram = 8192;

    readonly string path;
    readonly ILineWriter fallback;
    readonly TimeZoneInfo zone;
    readonly string tag;
    readonly byte[] buffer = new byte[MaxDatagram];
    Socket socket;

    SyslogWriter(string path, Socket socket, ILineWriter fallback, TimeZoneInfo zone)
    {
        this.path = path;
        this.socket = socket;
        this.fallback = fallback;
        this.zone = zone;
        tag = $"postmaster[{Environment.ProcessId}]: ";
    }

    /// <summary>Connects to the socket at <paramref name="path"/>; false with the reason when there is none.</summary>
    public static bool TryOpen(string path, ILineWriter fallback, TimeZoneInfo zone, out SyslogWriter? writer, out string problem)
    {
        writer = null;
        try
        {
            writer = new SyslogWriter(path, Connect(path), fallback, zone);
            problem = "";
            return true;
        }
        catch (SocketException e)
        {
            problem = e.Message;
            return false;
        }
    }

    static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Write(in LogLine line)
    {
        int length = Encode(line);
        try
        {
            socket.Send(buffer.AsSpan(0, length));
            return;
        }
        catch (SocketException)
        {
            // syslogd restarted: its new socket is a new file, so connect again once.
        }
        try
        {
            socket.Dispose();
            socket = Connect(path);
            socket.Send(buffer.AsSpan(0, length));
        }
        catch (SocketException)
        {
            fallback.Write(line);
        }
    }

    /// <summary>"&lt;PRI&gt;Mmm dd hh:mm:ss postmaster[pid]: text" (RFC 3164 §4.1; local time, no host name:
    /// the local syslogd adds it, as for glibc's syslog(3)).</summary>
    int Encode(in LogLine line)
    {
        DateTime local = TimeZoneInfo.ConvertTime(line.Time, zone).DateTime;
        int priority = FacilityMail * 8 + LineFormatter.Severity(line.Level);
        string header = string.Create(CultureInfo.InvariantCulture,
            $"<{priority}>{local.ToString("MMM", CultureInfo.InvariantCulture)} {local.Day,2} {local:HH':'mm':'ss} {tag}");
        int length = Encoding.ASCII.GetBytes(header, buffer);
        var encoder = Encoding.UTF8.GetEncoder();
        // Cut over-long lines on a character boundary rather than sending a broken UTF-8 sequence.
        encoder.Convert(line.Text, buffer.AsSpan(length), flush: true, out _, out int written, out _);
        return length + written;
    }

    public void Flush() => fallback.Flush();

    public void Dispose()
    {
        socket.Dispose();
        fallback.Dispose();
    }
}
