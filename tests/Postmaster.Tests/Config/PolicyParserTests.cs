using Postmaster.Config;
using Postmaster.Policy;
using Xunit;
using static Postmaster.Tests.Config.ConfigFixtures;

namespace Postmaster.Tests.Config;

/// <summary>The <c>policy</c> setting beyond the table rows of <see cref="SettingParsingTests"/>: what a parsed entry
/// carries for the daemon (stages, the place of a plugin's path), and plugin files anyone may change.</summary>
public sealed class PolicyParserTests
{
    [Fact]
    public void ASocketIsAskedAtRcptUnlessStagesAreWritten()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse("policy socket(unix:/run/a.sock), socket(192.0.2.1:9, connect, helo, mail, rcpt, data)", errors);

        Assert.Empty(errors);
        var sockets = config.Settings.Policy.Cast<PolicySpec.Socket>().ToArray();
        Assert.Equal(PolicyStages.Rcpt, sockets[0].Stages);
        Assert.Equal(PolicyStages.All, sockets[1].Stages);
        Assert.Equal("192.0.2.1:9", sockets[1].Address);
    }

    [Fact]
    public void ADsoRemembersWhereItsPathIsWritten()
    {
        var errors = new List<ConfigError>();
        PostmasterConfig config = Parse($"hostname x.example\npolicy socket(unix:/a),\n  dso({Readable})", errors);

        Assert.Empty(errors);
        var dso = Assert.IsType<PolicySpec.Dso>(config.Settings.Policy[1]);
        Assert.Equal(new SourceLocation(FileName, 3, 7), dso.Where);
    }

    [Fact]
    public void RefusesAPluginFileOthersMayWrite()
    {
        string path = Path.Combine(Files, "writable.so");
        File.WriteAllText(path, "x");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_110_100);   // 0664

        Assert.Equal([$"test.cf:1:12: policy: dso: \"{path}\" must not be writable by group or others (chmod go-w it)"],
            Problems($"policy dso({path})"));
    }
}
