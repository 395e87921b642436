using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Cli;

/// <summary><c>check-config --route</c> on the seed's example: the chain of rules, the final targets, the exit code.</summary>
public sealed class RouteTests
{
    static readonly string Seed = Path.Combine(AppContext.BaseDirectory, "TestData", "seed.cf");

    static Task<ProcessResult> RouteAsync(params string[] addresses) =>
        PostmasterBinary.RunAsync(["-c", Seed, "check-config", .. addresses.SelectMany(a => new[] { "--route", a })], null);

    [Fact]
    public async Task ShowsEveryRuleOfARewriteChainWithItsLine()
    {
        ProcessResult result = await RouteAsync("joe@example.com");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            $"""
            joe@example.com: 1 target
              joe.doe@example.net => relay(isp.example.net:25, 10.33.0.1:25)  (mailer relay)
                  {Seed}:16: joe@example.com -> joe.doe@example.com
                  {Seed}:13: @example.com -> @example.net
                  {Seed}:25: @ -> relay(isp.example.net:25, 10.33.0.1:25)

            """, result.StandardOutput);
    }

    [Fact]
    public async Task ShowsEachTargetOfAList()
    {
        ProcessResult result = await RouteAsync("Dow.Joe@EXAMPLE.org");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("Dow.Joe@example.org: 2 targets\n", result.StandardOutput);
        Assert.Contains("  joe@example.net => relay(isp.example.net:25, 10.33.0.1:25)", result.StandardOutput);
        Assert.Contains("  joe.doe@example.net => relay(isp.example.net:25, 10.33.0.1:25)", result.StandardOutput);
    }

    [Fact]
    public async Task ShowsTheLocalMailerForALocalUser()
    {
        ProcessResult result = await RouteAsync("joe.doe@example.org");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("=> maildir(/var/mail/vhosts/joe/)  (mailer maildir)", result.StandardOutput);
        Assert.Contains($"{Seed}:4: joe.doe@example.org -> joe", result.StandardOutput);
    }

    [Fact]
    public async Task SaysWhenAcceptingNeedsATrustedClient()
    {
        ProcessResult result = await RouteAsync("someone@elsewhere.test");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("someone@elsewhere.test: 1 target, needs trusted client\n", result.StandardOutput);
    }

    [Fact]
    public async Task RoutesAPipeTargetWithItsCommandIntact()
    {
        ProcessResult result = await RouteAsync("abuse@acme.example.com");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("=> pipe(/usr/bin/cat >/dev/null)  (mailer pipe)", result.StandardOutput);
        Assert.DoesNotContain("needs trusted client", result.StandardOutput);
    }

    [Fact]
    public async Task ExitsNoUserForAnAddressWithoutRoute()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("small.cf", "@example.org  relay(mx.example.net)\nhostname mx.example.org\n");

        ProcessResult result = await PostmasterBinary.RunAsync(
            ["-c", file, "check-config", "--route", "a@example.org", "--route", "b@nowhere.test"], null);

        Assert.True(result.ExitCode == 67, result.ToString());
        Assert.Contains("a@example.org: 1 target", result.StandardOutput);
        Assert.Contains("b@nowhere.test: no route", result.StandardOutput);
    }

    [Fact]
    public async Task RejectsSomethingThatIsNotAnAddress()
    {
        ProcessResult result = await RouteAsync("a@@b..c");

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Contains("not an address", result.StandardError);
    }
}
