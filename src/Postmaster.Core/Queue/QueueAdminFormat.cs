using System.Globalization;
using System.Text;

namespace Postmaster.Queue;

/// <summary>The text of <c>spool list</c> (like mailq, a block per message and a count at the end) and of
/// <c>spool show</c>. Times are UTC, as in the envelope files.</summary>
public static class QueueAdminFormat
{
    public static void WriteList(TextWriter output, IReadOnlyList<QueueAdmin.Entry> entries, DateTimeOffset now)
    {
        int pending = 0;
        long size = 0;
        foreach (QueueAdmin.Entry entry in entries)
        {
            output.WriteLine($"{entry.QueueId}  {Time(entry.ArrivalTime)}  {entry.MessageSize,9} octets  from <{entry.Sender}>");
            output.WriteLine($"  next attempt {NextAttempt(entry, now)}, {Attempts(entry.Attempts)}");
            WriteRecipients(output, entry, showOriginal: false);
            output.WriteLine();
            pending += entry.Recipients.Count(r => r.State == "pending");
            size += entry.MessageSize;
        }
        output.WriteLine(entries.Count == 0
            ? "-- 0 messages: the queue is empty"
            : $"-- {Count(entries.Count, "message")} ({Kilobytes(size)} KiB), {Count(pending, "recipient")} pending");
    }

    public static void WriteShow(TextWriter output, QueueAdmin.Entry entry, DateTimeOffset now)
    {
        output.WriteLine($"Queue ID:      {entry.QueueId}");
        output.WriteLine($"Arrival:       {Time(entry.ArrivalTime)}");
        output.WriteLine($"Size:          {entry.MessageSize} octets ({entry.Body})");
        output.WriteLine($"Sender:        <{entry.Sender}>");
        output.WriteLine($"Client:        {entry.Client}");
        output.WriteLine($"Attempts:      {entry.Attempts}");
        output.WriteLine($"Next attempt:  {NextAttempt(entry, now)}");
        if (entry.LastError is not null)
            output.WriteLine($"Last error:    {entry.LastError}");
        output.WriteLine($"Delay warning: {(entry.DelayWarningSent ? "sent" : "not sent")}");
        output.WriteLine("Recipients:");
        WriteRecipients(output, entry, showOriginal: true);
    }

    static void WriteRecipients(TextWriter output, QueueAdmin.Entry entry, bool showOriginal)
    {
        foreach (QueueAdmin.Recipient r in entry.Recipients)
        {
            output.WriteLine($"  {r.State,-10} <{r.Address}>  {r.Mailer}");
            if (showOriginal && r.OriginalAddress != r.Address)
                output.WriteLine($"             for <{r.OriginalAddress}>");
            if (r.DoneTime is { } done)
                output.WriteLine($"             {(r.State == "delivered" ? "delivered" : "failed")} {Time(done)}");
            if (r.LastError is not null)
                output.WriteLine($"             last error: {OneLine(r.LastError)}");
        }
    }

    static string NextAttempt(QueueAdmin.Entry entry, DateTimeOffset now) =>
        !entry.Recipients.Any(r => r.State == "pending") ? "none (nothing pending)"
        : entry.NextAttempt is not { } next || next <= now ? "now"
        : Time(next);

    static string Attempts(int attempts) => attempts == 0 ? "not tried yet" : $"{Count(attempts, "attempt")} made";

    static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    static string Kilobytes(long octets) => ((octets + 1023) / 1024).ToString(CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string OneLine(string text)
    {
        var line = new StringBuilder(text.Length);
        foreach (char c in text)
            line.Append(char.IsControl(c) ? ' ' : c);
        return line.ToString();
    }

    /// <summary>Copies a spooled message for reading on a terminal: CRLF becomes LF, nothing else changes.</summary>
    public static async Task CopyTextAsync(Stream message, Stream output, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        byte[] text = new byte[buffer.Length + 1];
        bool carriageReturn = false;     // the chunk before ended with CR
        int read;
        while ((read = await message.ReadAsync(buffer, cancellationToken)) > 0)
        {
            int length = 0;
            for (int i = 0; i < read; i++)
            {
                byte octet = buffer[i];
                if (carriageReturn && octet != (byte)'\n')
                    text[length++] = (byte)'\r';
                carriageReturn = octet == (byte)'\r';
                if (!carriageReturn)
                    text[length++] = octet;
            }
            await output.WriteAsync(text.AsMemory(0, length), cancellationToken);
        }
        if (carriageReturn)
            await output.WriteAsync("\r"u8.ToArray(), cancellationToken);
    }
}
