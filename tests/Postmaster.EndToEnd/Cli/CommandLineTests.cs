using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Cli;

/// <summary>The executable itself: version, help, usage errors, and how it is linked.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task PrintsItsVersion()
    {
        ProcessResult result = await PostmasterBinary.RunAsync("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^\d+\.\d+\.\d+\n$", result.StandardOutput);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("check-config", "--help")]
    public async Task PrintsHelp(params string[] arguments)
    {
        ProcessResult result = await PostmasterBinary.RunAsync(arguments);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.StandardOutput);
        Assert.Contains("--config", result.StandardOutput);
    }

    [Fact]
    public async Task TheTopLevelHelpListsTheRoles()
    {
        ProcessResult result = await PostmasterBinary.RunAsync("--help");

        Assert.Contains("check-config", result.StandardOutput);
    }

    [Fact]
    public async Task AnswersAnUnknownCommandWithUsageExitCode()
    {
        ProcessResult result = await PostmasterBinary.RunAsync("frobnicate");

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Contains("frobnicate", result.StandardError);
        Assert.DoesNotContain("Exception", result.StandardError);
    }

    [Theory]
    [InlineData("deliver", "--pipe", "   ")]
    [InlineData("deliver", "--maildir", "/tmp/x", "--mbox", "/tmp/y")]
    [InlineData("deliver", "--time-limit", "-5", "--maildir", "/tmp/x")]
    [InlineData("spool", "show", "../../etc/passwd")]
    public async Task AnswersBadArgumentsWithOneLineNeverAStackTrace(params string[] arguments)
    {
        ProcessResult result = await PostmasterBinary.RunAsync(arguments);

        Assert.True(result.ExitCode is 64 or 78, result.ToString());
        Assert.DoesNotContain("Exception", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError);
    }

    [Fact]
    public async Task NeedsNoSharedLibraryButLibc()
    {
        ProcessResult result = await ProcessRunner.RunAsync("ldd", [PostmasterBinary.Path]);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] libraries = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Trim().Split(' ')[0])
            .Where(name => !name.StartsWith("linux-vdso") && !name.StartsWith("/lib64/ld-linux"))
            .Order()
            .ToArray();
        Assert.Equal(["libc.so.6", "libm.so.6"], libraries);   // OpenSSL is linked in statically
    }
}
