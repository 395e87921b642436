namespace Postmaster.EndToEnd.Support;

/// <summary>Policy plugins built with gcc from the C sources in the checkout, into a folder the daemon's user can
/// read (the daemon loads them after giving up root).</summary>
public sealed class PolicyPlugins : IDisposable
{
    readonly TempDirectory _directory = new();

    public PolicyPlugins()
    {
        File.SetUnixFileMode(_directory.Path, (UnixFileMode)0b111_101_101);
    }

    public string Directory => _directory.Path;

    public static string Include => Path.Combine(PostmasterBinary.RepositoryRoot, "packaging", "include");

    /// <summary>packaging/examples/policy_example.c, as the README says to build it.</summary>
    public Task<string> SampleAsync() =>
        CompileAsync(Path.Combine(PostmasterBinary.RepositoryRoot, "packaging", "examples", "policy_example.c"), "sample", []);

    /// <summary>tests/Postmaster.EndToEnd/TestData/test_policy.c with -D options (<c>HANG=4</c>, <c>GARBAGE</c>).</summary>
    public Task<string> TestAsync(string name, params string[] defines) =>
        CompileAsync(Path.Combine(PostmasterBinary.RepositoryRoot, "tests", "Postmaster.EndToEnd", "TestData", "test_policy.c"), name, defines);

    async Task<string> CompileAsync(string source, string name, string[] defines)
    {
        string output = _directory.File(name + ".so");
        ProcessResult gcc = await ProcessRunner.RunAsync("gcc",
            ["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-I", Include, .. defines.Select(d => "-D" + d), "-o", output, source]);
        if (gcc.ExitCode != 0)
            throw new InvalidOperationException($"gcc failed on {source}: {gcc}");
        return output;
    }

    public void Dispose() => _directory.Dispose();
}
