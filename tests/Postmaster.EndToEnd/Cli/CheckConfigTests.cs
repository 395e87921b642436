using System.Text.RegularExpressions;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Cli;

/// <summary><c>postmaster check-config</c> against good and broken files, through the real binary.</summary>
public sealed partial class CheckConfigTests
{
    static readonly string Seed = Path.Combine(AppContext.BaseDirectory, "TestData", "seed.cf");
    static readonly string Example = Path.Combine(PostmasterBinary.RepositoryRoot, "packaging", "postmaster.cf");

    [GeneratedRegex(@"^[^:\s]+:\d+:\d+: \S")]
    private static partial Regex Located();

    [Fact]
    public async Task AcceptsTheSeedExampleAndSummarizesIt()
    {
        ProcessResult result = await PostmasterBinary.RunAsync("-c", Seed, "check-config");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith($"{Seed}: ok\n", result.StandardOutput);
        Assert.Contains("routes: 9\n", result.StandardOutput);
        Assert.Contains("local domains: acme.example.com, example.com, example.org, localhost, mx.example.org\n",
            result.StandardOutput);
        Assert.Contains("  hostname mx.example.org  (" + Seed + ":30)", result.StandardOutput);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public async Task AcceptsThePackagedExample()
    {
        ProcessResult result = await PostmasterBinary.RunAsync("-c", Example, "check-config");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith($"{Example}: ok\n", result.StandardOutput);
    }

    [Fact]
    public async Task ReadsTheFileNamedByTheEnvironment()
    {
        ProcessResult result = await PostmasterBinary.RunAsync(["check-config"],
            new Dictionary<string, string> { ["POSTMASTER_CONFIG"] = Seed });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith($"{Seed}: ok\n", result.StandardOutput);
    }

    [Fact]
    public async Task ShowsRelayOptionsAndReportsABadOneWithItsLocation()
    {
        using var dir = new TempDirectory();
        string good = dir.Write("good.cf", "@inside.test relay(smtp.inside.test:587, tls=verify, auth=allow-cleartext)\n");
        string bad = dir.Write("bad.cf", "@inside.test relay(smtp.inside.test, tls=maybe)\n");

        ProcessResult shown = await PostmasterBinary.RunAsync("-c", good, "check-config", "--route", "bob@inside.test");
        ProcessResult refused = await PostmasterBinary.RunAsync("-c", bad, "check-config");

        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("bob@inside.test => relay(smtp.inside.test:587, tls=verify, auth=allow-cleartext)  (mailer relay)", shown.StandardOutput);
        Assert.True(refused.ExitCode == 78, refused.ToString());
        Assert.Equal($"{bad}:1:42: relay: tls must be opportunistic, require, verify or none, not \"maybe\"", refused.StandardError.Trim());
    }

    [Fact]
    public async Task ReportsEveryErrorWithItsLocationAndExits78()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("broken.cf",
            "joe@example.org   rely(mx.example.org)\n" +      // unknown mailer
            "max-recipients    10\n" +                         // below the RFC minimum
            "lsiten            0.0.0.0:25\n" +                 // unknown setting
            "a@example.org     relay(mx.example.org:99999)\n"); // port out of range

        ProcessResult result = await PostmasterBinary.RunAsync("-c", file, "check-config");

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal("", result.StandardOutput);
        string[] lines = result.ErrorLines;
        Assert.Equal(4, lines.Length);
        Assert.All(lines, line => Assert.Matches(Located(), line));
        Assert.StartsWith($"{file}:1:19: ", lines[0]);
        Assert.Contains("rely", lines[0]);
        Assert.StartsWith($"{file}:2:19: ", lines[1]);
        Assert.StartsWith($"{file}:3:1: ", lines[2]);
        Assert.Contains("did you mean \"listen\"", lines[2]);
        Assert.StartsWith($"{file}:4:", lines[3]);
    }

    [Fact]
    public async Task ReportsALoopItCanSeeWithoutMail()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("loop.cf", "a@example.org  b@example.org\nb@example.org  a@example.org\n");

        ProcessResult result = await PostmasterBinary.RunAsync("-c", file, "check-config");

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Matches(Located(), result.ErrorLines[0]);
        Assert.Contains("loop", result.StandardError);
    }

    [Fact]
    public async Task SaysSoWhenTheFileIsMissing()
    {
        ProcessResult result = await PostmasterBinary.RunAsync("-c", "/nonexistent/postmaster.cf", "check-config");

        Assert.True(result.ExitCode == 78, result.ToString());
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("/nonexistent/postmaster.cf: ", line);
    }

    [Theory]
    [InlineData(new byte[] { 0xff, 0xfe, 0x00, 0x41, 0x0a })]
    [InlineData(new byte[] { 0x40, 0x20, 0x70, 0x69, 0x70, 0x65, 0x28, 0x0a, 0x20, 0x29, 0x29, 0xc3 })]
    [InlineData(new byte[] { 0x09, 0x0a, 0x40, 0x0a, 0x0d, 0x0d, 0x0a })]
    public async Task AnswersGarbageWithLocatedErrorsNeverAStackTrace(byte[] bytes)
    {
        using var dir = new TempDirectory();
        string file = dir.Write("garbage.cf", bytes);

        ProcessResult result = await PostmasterBinary.RunAsync("-c", file, "check-config");

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.NotEmpty(result.ErrorLines);
        Assert.All(result.ErrorLines, line => Assert.Matches(Located(), line));
        Assert.DoesNotContain("Exception", result.StandardError);
    }
}
