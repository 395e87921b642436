using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Postmaster.Logging;

/// <summary>Hands log lines to one writer thread through a bounded queue, so a slow stderr or syslogd
/// never stalls an SMTP session: when the queue is full the line is dropped and counted, and the count is
/// logged once the writer catches up. Disposing drains the queue.</summary>
internal sealed class LineLoggerProvider : ILoggerProvider
{
    public const int DefaultCapacity = 10_000;
    static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    readonly Channel<LogLine> queue;
    readonly ILineWriter writer;
    readonly TimeProvider time;
    readonly LineLogger logger;
    readonly Thread thread;
    long dropped;
    int disposed;

    public LineLoggerProvider(ILineWriter writer, LogLevel minimum, TimeProvider time, int capacity = DefaultCapacity)
    {
        this.writer = writer;
        this.time = time;
        queue = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,   // with Wait, TryWrite fails when full instead of blocking
            SingleReader = true,
        });
        logger = new LineLogger(this, minimum);
        thread = new Thread(Pump) { IsBackground = true, Name = "log writer" };
        thread.Start();
    }

    public ILogger CreateLogger(string categoryName) => logger;

    public void Enqueue(LogLevel level, string text)
    {
        if (!queue.Writer.TryWrite(new LogLine(level, time.GetUtcNow(), text)) && Volatile.Read(ref disposed) == 0)
            Interlocked.Increment(ref dropped);
    }

    void Pump()
    {
        ChannelReader<LogLine> reader = queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out LogLine line))
                Write(line);
            ReportDropped();
            try
            {
                writer.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Nowhere left to report it.
            }
        }
        ReportDropped();
    }

    void ReportDropped()
    {
        long count = Interlocked.Exchange(ref dropped, 0);
        if (count > 0)
            Write(new LogLine(LogLevel.Warning, time.GetUtcNow(), $"{count} log lines dropped: the log queue was full"));
    }

    void Write(in LogLine line)
    {
        try
        {
            writer.Write(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // stderr closed or the like: a logger must not take the daemon down.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        queue.Writer.TryComplete();
        thread.Join(DrainTimeout);
        writer.Dispose();
    }
}
