using System.Diagnostics;
using System.Text;
using Postmaster.Platform;
using Xunit;

namespace Postmaster.Tests.Delivery;

/// <summary>A scratch folder for one delivery test, removed afterwards (after unmounting what
/// <see cref="MountTmpfs"/> put in it).</summary>
internal sealed class DeliveryScratch : IDisposable
{
    readonly List<string> _mounts = [];

    public string Path { get; } = Directory.CreateTempSubdirectory("postmaster-delivery-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string text)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Mounts a tmpfs of <paramref name="kilobytes"/> at a new folder (root only): a disk that is
    /// really full or really read-only, which root cannot get around the way it ignores file modes.</summary>
    /// <returns>The mount point, or null when mounting is not possible here (not root, no CAP_SYS_ADMIN).</returns>
    public string? MountTmpfs(string name, int kilobytes, bool readOnly = false)
    {
        if (!Privileges.IsRoot)
            return null;
        string path = File(name);
        Directory.CreateDirectory(path);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k,mode=0755{(readOnly ? ",ro" : "")}", "tmpfs", path) != 0)
            return null;
        _mounts.Add(path);
        return path;
    }

    /// <summary>Makes a mounted tmpfs read-only from now on.</summary>
    public static void RemountReadOnly(string mountPoint) =>
        Assert.Equal(0, Run("mount", "-o", "remount,ro", mountPoint));

    public static int Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose()
    {
        foreach (string mount in _mounts)
            Run("umount", "-l", mount);
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public static MemoryStream Message(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>A message of about <paramref name="size"/> octets with CRLF line ends.</summary>
    public static MemoryStream LargeMessage(int size) => Message(LargeText(size));

    public static string LargeText(int size)
    {
        var text = new StringBuilder("Subject: large\r\n\r\n");
        while (text.Length < size)
            text.Append("0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
        return text.ToString();
    }

    /// <summary>Every file under <paramref name="directory"/>, relative, sorted.</summary>
    public static string[] FilesUnder(string directory) =>
        Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(f => System.IO.Path.GetRelativePath(directory, f)).Order(StringComparer.Ordinal)]
            : [];
}
