using System.Text;
using Postmaster.Config;
using Postmaster.Platform;

namespace Postmaster.Tests.Config;

/// <summary>Shared helpers for the configuration tests: a parse with a fixed user list and host name, and a
/// few real files for the settings that must name readable files.</summary>
internal static class ConfigFixtures
{
    public const string FileName = "test.cf";
    public const string DefaultHostname = "host.example";

    /// <summary>The passwd database of the tests: joe, root and postmaster exist, nobody else.</summary>
    public static readonly IUserDatabase Users = new TinyUsers("joe", "root", "postmaster");

    public static PostmasterConfig Parse(string text, List<ConfigError> errors) =>
        Parse(Encoding.UTF8.GetBytes(text), errors);

    public static PostmasterConfig Parse(byte[] bytes, List<ConfigError> errors) =>
        ConfigParser.Parse(bytes, FileName, Users, () => DefaultHostname, errors);

    /// <summary>Every error and warning of <paramref name="text"/>, as check-config prints them.</summary>
    public static string[] Problems(string text)
    {
        var errors = new List<ConfigError>();
        Parse(text, errors);
        return [.. errors.Select(e => e.ToString())];
    }

    /// <summary>The canonical text of every route, in file order.</summary>
    public static string[] Routes(PostmasterConfig config) => [.. config.Routes.Routes.Select(r => r.ToString())];

    /// <summary>A directory of files for the settings that check files: created once per test run, in the
    /// build output so nothing is left in /tmp.</summary>
    public static readonly string Files = CreateFiles();

    public static string Readable => Path.Combine(Files, "readable.pem");
    public static string Private => Path.Combine(Files, "private");
    public static string Public => Path.Combine(Files, "public");

    static string CreateFiles()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "config-files");
        Directory.CreateDirectory(dir);
        foreach (string name in new[] { "readable.pem", "private", "public" })
            File.WriteAllText(Path.Combine(dir, name), "x\n");
        if (OperatingSystem.IsWindows())
            return dir;   // the tests need Unix modes; this only keeps the analyzer content
        File.SetUnixFileMode(Path.Combine(dir, "private"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(Path.Combine(dir, "public"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return dir;
    }

    sealed class TinyUsers(params string[] names) : IUserDatabase
    {
        public SystemUser? Find(string name) =>
            names.Contains(name) ? new SystemUser(name, 1000, 1000, "/home/" + name, "/bin/sh") : null;
    }
}
