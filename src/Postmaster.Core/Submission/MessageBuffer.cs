namespace Postmaster.Submission;

/// <summary>Holds the prepared message between reading standard input and handing it on: in memory while it
/// is small, in an unlinked temporary file beyond <see cref="MemoryLimit"/>.</summary>
/// <remarks>The whole message is read before anything is sent, so the daemon's session is never held open by
/// a slow writer, the SIZE and BODY parameters are known for MAIL FROM, and the choice between the socket and
/// the spool is made with the message in hand.</remarks>
public sealed class MessageBuffer : IDisposable
{
    public const int MemoryLimit = 4 * 1024 * 1024;

    readonly string _temporaryDirectory;
    MemoryStream? _memory = new();
    FileStream? _file;

    public MessageBuffer(string? temporaryDirectory = null) =>
        _temporaryDirectory = temporaryDirectory ?? Path.GetTempPath();

    /// <summary>Octets written so far.</summary>
    public long Length { get; private set; }

    /// <summary>Whether any octet has the high bit set (BODY=8BITMIME, RFC 6152).</summary>
    public bool EightBit { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (!EightBit && bytes.ContainsAnyInRange((byte)0x80, (byte)0xFF))
            EightBit = true;
        if (_memory is not null && _memory.Length + bytes.Length > MemoryLimit)
            SpillToFile();
        if (_memory is not null)
            _memory.Write(bytes);
        else
            _file!.Write(bytes);
        Length += bytes.Length;
    }

    /// <summary>The content from its first octet, for reading once writing is done; owned by the buffer, so
    /// do not dispose it. Read through the open handle: after a privilege drop the file could not be opened again.</summary>
    public Stream Rewind()
    {
        Stream content = (Stream?)_memory ?? _file!;
        content.Flush();
        content.Position = 0;
        return content;
    }

    void SpillToFile()
    {
        string path = Path.Combine(_temporaryDirectory, $"postmaster-sendmail-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.DeleteOnClose,
            BufferSize = 64 * 1024,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        _memory!.Position = 0;
        _memory.CopyTo(_file);
        _memory = null;
    }

    public void Dispose()
    {
        _memory = null;
        _file?.Dispose();
    }
}
