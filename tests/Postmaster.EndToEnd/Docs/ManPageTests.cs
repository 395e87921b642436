using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Docs;

/// <summary>The manual pages render and lint cleanly (mandoc, from Debian's mandoc package).</summary>
public sealed class ManPageTests
{
    public static TheoryData<string> Pages => new(
        Directory.GetFiles(Path.Combine(PostmasterBinary.RepositoryRoot, "man"))
            .Where(path => char.IsAsciiDigit(path[^1]))
            .Select(Path.GetFileName)!);

    [Theory, MemberData(nameof(Pages))]
    public async Task LintsWithoutWarnings(string page)
    {
        string path = Path.Combine(PostmasterBinary.RepositoryRoot, "man", page);

        // -W warning: report warnings and errors, not style suggestions.
        ProcessResult result = await ProcessRunner.RunAsync("mandoc", ["-T", "lint", "-W", "warning", path]);

        Assert.True(result.ExitCode == 0 && result.StandardOutput == "", result.ToString());
    }

    [Theory, MemberData(nameof(Pages))]
    public async Task RendersAsText(string page)
    {
        string path = Path.Combine(PostmasterBinary.RepositoryRoot, "man", page);

        ProcessResult result = await ProcessRunner.RunAsync("sh", ["-c", "mandoc -T ascii \"$1\" | col -b", "sh", path]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("NAME", result.StandardOutput);
        Assert.Contains("DESCRIPTION", result.StandardOutput);
    }
}
