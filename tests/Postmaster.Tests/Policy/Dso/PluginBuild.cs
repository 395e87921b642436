using System.Diagnostics;

namespace Postmaster.Tests.Policy.Dso;

/// <summary>Builds policy plugins from C with gcc, as an administrator would: the sample of packaging/examples and
/// the test plugins of tests/Postmaster.EndToEnd/TestData/test_policy.c. Every build gets a path of its own (the
/// daemon loads a path once per process, and so does this test process).</summary>
internal static class PluginBuild
{
    static readonly string Root = FindRepositoryRoot();
    static readonly string Output = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "plugins")).FullName;

    public static string Include => Path.Combine(Root, "packaging", "include");

    /// <summary>packaging/examples/policy_example.c.</summary>
    public static string Sample() => Compile(Path.Combine(Root, "packaging", "examples", "policy_example.c"), []);

    /// <summary>test_policy.c with these -D options (<c>HANG=5</c>, <c>GARBAGE</c>, ...).</summary>
    public static string Test(params string[] defines) =>
        Compile(Path.Combine(Root, "tests", "Postmaster.EndToEnd", "TestData", "test_policy.c"), defines);

    /// <summary>A C file of the test's own.</summary>
    public static string FromSource(string code)
    {
        string source = Path.Combine(Output, $"src-{Guid.NewGuid():N}.c");
        File.WriteAllText(source, code);
        return Compile(source, []);
    }

    static string Compile(string source, string[] defines)
    {
        string output = Path.Combine(Output, $"{Path.GetFileNameWithoutExtension(source)}-{Guid.NewGuid():N}.so");
        var start = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-I", Include, "-o", output })
            start.ArgumentList.Add(argument);
        foreach (string define in defines)
            start.ArgumentList.Add("-D" + define);
        start.ArgumentList.Add(source);
        using Process gcc = Process.Start(start)!;
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0)
            throw new InvalidOperationException($"gcc failed ({gcc.ExitCode}) on {source}: {errors}");
        return output;
    }

    static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Postmaster.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the checkout (Postmaster.sln) above " + AppContext.BaseDirectory);
    }
}
