using Postmaster.Config;
using Xunit;
using static Postmaster.Tests.Config.ConfigFixtures;

namespace Postmaster.Tests.Config;

/// <summary>Reading the file, then parsing, then the loop check; null whenever an error (not a warning) was found.</summary>
public sealed class ConfigLoaderTests
{
    static PostmasterConfig? Load(string path, List<ConfigError> errors) =>
        ConfigLoader.Load(path, Users, () => DefaultHostname, errors);

    static string Write(string name, string text)
    {
        string path = Path.Combine(Files, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void SaysWhenTheFileIsMissing()
    {
        var errors = new List<ConfigError>();

        Assert.Null(Load("/nonexistent/postmaster.cf", errors));
        Assert.Equal("/nonexistent/postmaster.cf: cannot read: No such file or directory", Assert.Single(errors).ToString());
    }

    [Fact]
    public void SaysWhenThePathIsADirectory()
    {
        var errors = new List<ConfigError>();

        Assert.Null(Load(Files, errors));
        Assert.Equal($"{Files}: cannot read: Is a directory", Assert.Single(errors).ToString());
    }

    [Fact]
    public void LoadsAValidFile()
    {
        var errors = new List<ConfigError>();
        string path = Write("valid.cf", "a@x.example joe\n@ relay\nhostname mx.example\n");

        PostmasterConfig? config = Load(path, errors);

        Assert.Empty(errors);
        Assert.NotNull(config);
        Assert.Equal(path, config.Path);
        Assert.Equal(["a@x.example -> joe", "@ -> relay"], Routes(config));
    }

    [Fact]
    public void ReturnsNullAndEveryErrorForABrokenFile()
    {
        var errors = new List<ConfigError>();
        string path = Write("broken.cf", "a@x.example rely(x)\nspf maybe\n");

        Assert.Null(Load(path, errors));
        Assert.Equal([$"{path}:1:13: unknown mailer \"rely\"; did you mean \"relay\"?",
            $"{path}:2:5: spf: expected off, tag or reject, not \"maybe\""], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void LoadsAFileWithOnlyWarnings()
    {
        var errors = new List<ConfigError>();
        string path = Write("warning.cf", "queue-lifetime 1d\n");

        Assert.NotNull(Load(path, errors));
        Assert.True(Assert.Single(errors).IsWarning);
    }

    [Fact]
    public void ReportsARoutingLoopAtItsRule()
    {
        var errors = new List<ConfigError>();
        string path = Write("loop.cf", "a@x.example b@x.example\nb@x.example a@x.example\n");

        Assert.Null(Load(path, errors));
        ConfigError error = Assert.Single(errors);
        Assert.Equal(new SourceLocation(path, 1, 1), error.Where);
        Assert.Contains("routing loop", error.Message);
    }

    [Fact]
    public void SkipsTheLoopCheckWhenTheFileHasErrors()
    {
        var errors = new List<ConfigError>();
        string path = Write("loop-and-error.cf", "a@x.example b@x.example\nb@x.example a@x.example\nspf maybe\n");

        Assert.Null(Load(path, errors));
        Assert.Equal($"{path}:3:5: spf: expected off, tag or reject, not \"maybe\"", Assert.Single(errors).ToString());
    }
}
