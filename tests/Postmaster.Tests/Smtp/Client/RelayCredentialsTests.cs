using System.Collections.Immutable;
using Postmaster.Platform;
using Postmaster.Smtp.Client;
using Xunit;

namespace Postmaster.Tests.Smtp.Client;

public sealed class RelayCredentialsTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("relay-credentials-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    static RelayCredentials Parse(string text)
    {
        Assert.True(RelayCredentials.TryParse(text, "creds", out RelayCredentials? credentials, out ImmutableArray<string> errors),
            string.Join("\n", errors));
        return credentials;
    }

    /// <summary>"user password" of the account found, or "none".</summary>
    static string Find(RelayCredentials credentials, string host, int port) =>
        credentials.Find(host, port) is { } account ? $"{account.UserName} {account.Password}" : "none";

    public static TheoryData<string, string, int, string> Rows => new()
    {
        { "smtp.example.net alice s3cret", "smtp.example.net", 25, "alice s3cret" },
        { "smtp.example.net alice s3cret", "smtp.example.net", 587, "alice s3cret" },
        { "smtp.example.net:587 alice s3cret", "smtp.example.net", 587, "alice s3cret" },
        { "smtp.example.net:587 alice s3cret", "smtp.example.net", 25, "none" },
        { "smtp.example.net:587 alice s3cret", "other.example.net", 587, "none" },
        { "SMTP.Example.NET. alice s3cret", "smtp.example.net", 25, "alice s3cret" },
        { "smtp.example.net alice s3cret", "Smtp.Example.Net.", 25, "alice s3cret" },
        { "\tsmtp.example.net \t alice\t  pass with  spaces # and a hash  \r", "smtp.example.net", 25, "alice pass with  spaces # and a hash" },
        { "192.0.2.1:2525 bob pw", "192.0.2.1", 2525, "bob pw" },
        { "[2001:db8::1] carol pw", "2001:db8::1", 25, "carol pw" },
        { "[2001:DB8:0::1]:587 carol pw", "2001:db8::1", 587, "carol pw" },
        { "[2001:db8::1]:587 carol pw", "2001:DB8::0:1", 587, "carol pw" },
        { "# smtp.example.net alice s3cret", "smtp.example.net", 25, "none" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void FindsTheAccountOfAHostAndPort(string line, string host, int port, string expected) =>
        Assert.Equal(expected, Find(Parse(line), host, port));

    [Fact]
    public void PrefersHostAndPortOverHost()
    {
        RelayCredentials credentials = Parse("""
            # smart hosts
            smtp.example.net      any   one

            smtp.example.net:587  sub   two
            """);
        Assert.Equal(2, credentials.Count);
        Assert.Equal("sub two", Find(credentials, "smtp.example.net", 587));
        Assert.Equal("any one", Find(credentials, "smtp.example.net", 465));
    }

    public static TheoryData<string, string> BadRows => new()
    {
        { "smtp.example.net", "creds:1: expected \"host[:port] user password\"" },
        { "smtp.example.net alice", "creds:1: expected \"host[:port] user password\", but the password is missing" },
        { "smtp.example.net: alice pw", "creds:1: missing port in \"smtp.example.net:\"" },
        { "smtp.example.net:0 alice pw", "creds:1: bad port \"0\"" },
        { "smtp.example.net:65536 alice pw", "creds:1: bad port \"65536\"" },
        { "smtp.example.net:smtp alice pw", "creds:1: bad port \"smtp\"" },
        { "2001:db8::1 alice pw", "creds:1: an IPv6 address must be written in brackets, as in [2001:db8::1]:587, not \"2001:db8::1\"" },
        { "[2001:db8::1 alice pw", "creds:1: bad IPv6 address in \"[2001:db8::1\"" },
        { "[192.0.2.1]:25 alice pw", "creds:1: bad IPv6 address in \"[192.0.2.1]:25\"" },
        { "[2001:db8::1]587 alice pw", "creds:1: expected \":port\" after \"]\" in \"[2001:db8::1]587\"" },
        { "[2001:db8::1]: alice pw", "creds:1: missing port in \"[2001:db8::1]:\"" },
        { "smtp/example alice pw", "creds:1: bad host name \"smtp/example\"" },
        { ":25 alice pw", "creds:1: bad host name \"\"" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void RejectsABadLine(string line, string expected)
    {
        Assert.False(RelayCredentials.TryParse("# first\n" + line.Replace("creds:1", "creds:2"), "creds", out _, out _));
        Assert.False(RelayCredentials.TryParse(line, "creds", out RelayCredentials? credentials, out ImmutableArray<string> errors));
        Assert.Null(credentials);
        Assert.Equal([expected], errors.AsEnumerable());
    }

    [Fact]
    public void ReportsEveryBadLineAndDuplicates()
    {
        Assert.False(RelayCredentials.TryParse("""
            a.example alice pw1
            b.example
            A.EXAMPLE. bob pw2
            [2001:db8::1]:25 carol pw3
            [2001:db8:0::1]:25 dave pw4
            a.example:25 erin pw5
            """, "creds", out _, out ImmutableArray<string> errors));
        Assert.Equal(
        [
            "creds:2: expected \"host[:port] user password\"",
            "creds:3: another entry for a.example (the first is on line 1)",
            "creds:5: another entry for [2001:db8::1]:25 (the first is on line 4)",
        ], errors.AsEnumerable());
    }

    [Fact]
    public void NeverShowsAPassword()
    {
        RelayCredentials credentials = Parse("smtp.example.net alice hunter2");
        RelayCredentials.Account account = credentials.Find("smtp.example.net", 25)!;
        Assert.DoesNotContain("hunter2", account.ToString());
        Assert.DoesNotContain("hunter2", credentials.ToString());
        Assert.False(RelayCredentials.TryParse("smtp.example.net:x alice hunter2\n2001:db8::1 alice hunter2", "creds", out _,
            out ImmutableArray<string> errors));
        Assert.All(errors, e => Assert.DoesNotContain("hunter2", e));
    }

    [Fact]
    public void EmptyFindsNothing() => Assert.Null(RelayCredentials.Empty.Find("smtp.example.net", 25));

    string Write(string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = Path.Combine(directory, "relay-credentials");
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void LoadsAPrivateFile()
    {
        string path = Write("smtp.example.net alice s3cret\n");
        Assert.True(RelayCredentials.TryLoad(path, out RelayCredentials? credentials, out ImmutableArray<string> errors),
            string.Join("\n", errors));
        Assert.Equal("alice s3cret", Find(credentials, "smtp.example.net", 25));
        Assert.Equal($"1 relay credential(s) from {path}", credentials.ToString());
    }

    [Fact]
    public void ReportsBadLinesWithThePath()
    {
        string path = Write("smtp.example.net alice\n");
        Assert.False(RelayCredentials.TryLoad(path, out _, out ImmutableArray<string> errors));
        Assert.Equal([$"{path}:1: expected \"host[:port] user password\", but the password is missing"], errors.AsEnumerable());
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead, "0440")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, "0604")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupWrite, "0420")]
    public void RefusesAFileOthersMayAccess(UnixFileMode mode, string octal)
    {
        string path = Write("smtp.example.net alice s3cret\n", mode);
        Assert.False(RelayCredentials.TryLoad(path, out RelayCredentials? credentials, out ImmutableArray<string> errors));
        Assert.Null(credentials);
        Assert.Equal([$"\"{path}\" must not be accessible by group or others (mode {octal}; chmod 600 it)"], errors.AsEnumerable());
    }

    [Fact]
    public void RefusesAFileOwnedBySomeoneElse()
    {
        string path = Write("smtp.example.net alice s3cret\n");
        // The owner must be root or the daemon's user: make the file belong to a user that is neither root nor the
        // user passed as the daemon's (as root, give it away; otherwise pass another uid than our own).
        uint owner = Libc.GetEUid();
        if (owner == 0)
            Assert.Equal(0, Libc.Chown(path, owner = 65534, uint.MaxValue));
        Assert.False(RelayCredentials.TryLoad(path, owner + 1, out _, out ImmutableArray<string> errors));
        Assert.Equal([$"\"{path}\" must be owned by root or by uid {owner + 1} (the daemon's user), not by uid {owner}"], errors.AsEnumerable());
        Assert.True(RelayCredentials.TryLoad(path, owner, out _, out _));
    }

    [Fact]
    public void RefusesAMissingFileOrADirectory()
    {
        string missing = Path.Combine(directory, "missing");
        Assert.False(RelayCredentials.TryLoad(missing, out _, out ImmutableArray<string> errors));
        Assert.Equal([$"cannot read \"{missing}\": No such file or directory"], errors.AsEnumerable());
        Assert.False(RelayCredentials.TryLoad(directory, out _, out errors));
        Assert.Equal([$"\"{directory}\" is not a regular file"], errors.AsEnumerable());
    }

    [Fact]
    public void RefusesAFileThatIsNotUtf8()
    {
        string path = Write("");
        File.WriteAllBytes(path, [.. "smtp.example.net alice "u8, 0xE9, (byte)'\n']);
        Assert.False(RelayCredentials.TryLoad(path, out _, out ImmutableArray<string> errors));
        Assert.Equal([$"\"{path}\" is not valid UTF-8"], errors.AsEnumerable());
    }
}
