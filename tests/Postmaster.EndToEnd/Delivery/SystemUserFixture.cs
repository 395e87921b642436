using System.Diagnostics;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Delivery;

/// <summary>A throw-away system user made with useradd for the privilege-switch tests (root only), with a home
/// directory in a scratch folder; removed with userdel afterwards.</summary>
public sealed class SystemUserFixture : IDisposable
{
    public SystemUserFixture()
    {
        IsRoot = Environment.UserName == "root";
        if (!IsRoot)
            return;
        Name = "pm-e2e-" + Guid.NewGuid().ToString("N")[..8];
        Root = Directory.CreateTempSubdirectory("postmaster-e2e-user-").FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0x1ED);    // 0755: the user must reach their home below it
        Home = Path.Combine(Root, "home");
        Run("useradd", "--create-home", "--home-dir", Home, "--shell", "/bin/sh", "--user-group", Name);
        Uid = int.Parse(Output("id", "-u", Name));
        Gid = int.Parse(Output("id", "-g", Name));
    }

    public bool IsRoot { get; }
    public string Name { get; } = "";
    public string Root { get; } = "";
    public string Home { get; } = "";
    public int Uid { get; }
    public int Gid { get; }

    /// <summary>Owner uid and gid of a file (stat -c).</summary>
    public static (int Uid, int Gid) OwnerOf(string path)
    {
        string[] ids = Output("stat", "-c", "%u %g", path).Split(' ');
        return (int.Parse(ids[0]), int.Parse(ids[1]));
    }

    public void Dispose()
    {
        if (!IsRoot)
            return;
        try { Run("userdel", "--remove", Name); }
        catch (InvalidOperationException) { }
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }

    static void Run(string program, params string[] arguments)
    {
        ProcessResult result = ProcessRunner.RunAsync(program, arguments).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {result}");
    }

    static string Output(string program, params string[] arguments)
    {
        ProcessResult result = ProcessRunner.RunAsync(program, arguments).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {result}");
        return result.StandardOutput.Trim();
    }
}
