using System.Diagnostics;

namespace Postmaster.EndToEnd.Support;

/// <summary>Runs the published Native AOT executable <c>bin/postmaster</c> (never the library: trimming
/// bugs only show in the real binary).</summary>
public static class PostmasterBinary
{
    /// <summary>The checkout's root: the nearest folder above the test assembly holding Postmaster.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary><c>$POSTMASTER_BIN</c>, else <c>bin/postmaster</c> in the checkout (built by <c>make</c>).</summary>
    public static string Path { get; } = Environment.GetEnvironmentVariable("POSTMASTER_BIN") is { Length: > 0 } path
        ? path
        : System.IO.Path.Combine(RepositoryRoot, "bin", "postmaster");

    public static Task<ProcessResult> RunAsync(params string[] arguments) => RunAsync(arguments, environment: null);

    public static Task<ProcessResult> RunAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment,
        string? standardInput = null) =>
        ProcessRunner.RunAsync(Path, arguments, environment, standardInput);

    static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Postmaster.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the checkout (Postmaster.sln) above " + AppContext.BaseDirectory);
    }
}
