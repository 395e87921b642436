namespace Postmaster.Config;

/// <summary>Checks on files a setting names, done while parsing so that <c>check-config</c> finds a missing key
/// or a world-readable password file before the daemon needs it. Reasons are worded like strerror(3).</summary>
internal static class FileChecks
{
    /// <summary><c>null</c> when <paramref name="path"/> is a file this process can open for reading.</summary>
    public static string? ReadProblem(string path)
    {
        if (Directory.Exists(path))
            return $"cannot read \"{path}\": Is a directory";
        try
        {
            using FileStream stream = File.OpenRead(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"cannot read \"{path}\": {Reason(e)}";
        }
    }

    /// <summary><c>null</c> when <paramref name="path"/> is readable and neither group nor others have any
    /// permission on it (mode &amp; 077 == 0), as for ssh keys: it holds passwords.</summary>
    public static string? PrivateProblem(string path)
    {
        if (ReadProblem(path) is { } problem)
            return problem;
        if (OperatingSystem.IsWindows())
            return null;   // no Unix modes to check
        try
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            int bits = (int)mode & 0x1FF;
            return (bits & 0x3F) == 0 ? null
                : $"\"{path}\" must not be accessible by group or others (mode {Convert.ToString(bits, 8).PadLeft(4, '0')}; chmod 600 it)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot read \"{path}\": {Reason(e)}";
        }
    }

    /// <summary>The reason a file could not be read, in the words of strerror(3) for the common cases.</summary>
    public static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        PathTooLongException => "File name too long",
        _ => e.Message,
    };
}
