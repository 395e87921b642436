namespace Postmaster.Logging;

/// <summary>Log lines on standard error. Under systemd (JOURNAL_STREAM set) each line carries only the
/// sd-daemon(3) priority "&lt;N&gt;", since journald stamps the time itself; otherwise an ISO 8601 UTC
/// timestamp and, for warnings and errors, the level word.</summary>
internal sealed class StderrWriter(TextWriter output, bool journal) : ILineWriter
{
    public void Write(in LogLine line)
    {
        if (journal)
        {
            output.Write('<');
            output.Write(LineFormatter.Severity(line.Level));
            output.Write('>');
        }
        else
        {
            output.Write(LineFormatter.Timestamp(line.Time));
            output.Write(' ');
            output.Write(LineFormatter.LevelPrefix(line.Level));
        }
        output.Write(line.Text);
        output.Write('\n');
    }

    public void Flush() => output.Flush();

    // The TextWriter belongs to whoever made it (standard error stays open for the runtime's own messages).
    public void Dispose() => Flush();
}
