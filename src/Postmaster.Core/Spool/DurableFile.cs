using System.Text;

namespace Postmaster.Spool;

/// <summary>Writes a new file and returns only once its content is on disk (fsync), as chasquid's safeio does.</summary>
/// <remarks>The file's name is not durable yet: the caller renames it into place and then fsyncs the
/// directory (<see cref="DirectorySync"/>).</remarks>
internal static class DurableFile
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Creates <paramref name="path"/> (O_EXCL, mode 0600), writes <paramref name="text"/> as UTF-8 and fsyncs it
    /// (unless <paramref name="fsync"/> is false: the caller then makes it durable some other way, such as a
    /// <see cref="FileSystemSync"/>).</summary>
    /// <remarks>On failure the partial file is removed. The blocking write and fsync run on the thread pool,
    /// never on the caller's thread.</remarks>
    public static Task WriteAsync(string path, string text, CancellationToken cancellationToken, bool fsync = true)
    {
        byte[] bytes = Utf8.GetBytes(text);
        return Task.Run(() =>
        {
            try
            {
                using var stream = new FileStream(path, Posix.NewPrivateFile(FileAccess.Write, bufferSize: 0));
                stream.Write(bytes);
                if (fsync)
                    stream.Flush(flushToDisk: true);        // fsync(2)
            }
            catch
            {
                TryDelete(path);
                throw;
            }
        }, cancellationToken);
    }

    /// <summary>Removes a file, ignoring every error (cleanup on a path that already failed).</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
