using System.Diagnostics;
using Postmaster.Platform;
using Xunit;

namespace Postmaster.Tests.Platform;

public class PrivilegesTests
{
    static readonly SystemUser Mail = new("postmaster", 1000, 1001, "/var/spool/postmaster", "/usr/sbin/nologin");

    [Fact]
    public void IsRootFollowsTheEffectiveUid() =>
        Assert.Equal(Run("id", "-u").Trim() == "0", Privileges.IsRoot);

    [Fact]
    public void RefusesAUserWithUidZero()
    {
        var root = new SystemUser("toor", 0, 0, "/root", "/bin/sh");
        var calls = new ScriptedCalls();
        var e = Assert.Throws<PrivilegeException>(() => Privileges.DropTo(root, calls));
        Assert.Equal("refusing to run as root: user toor has uid 0", e.Message);
        Assert.Empty(calls.Made);
        // The public entry point refuses too, before making any call (this process keeps its ids).
        Assert.Throws<PrivilegeException>(() => Privileges.DropTo(root));
    }

    [Fact]
    public void SetsGroupsThenGidThenUidAndChecksRootCannotBeRegained()
    {
        var calls = new ScriptedCalls();
        Privileges.DropTo(Mail, calls);
        Assert.Equal(["setgroups 1001", "setgid 1001", "setuid 1000", "ids", "setuid 0"], calls.Made);
    }

    [Theory]
    [InlineData("setgroups", "setgroups([1001]) failed: Operation not permitted (errno 1)")]
    [InlineData("setgid", "setgid(1001) failed: Operation not permitted (errno 1)")]
    [InlineData("setuid", "setuid(1000) failed: Operation not permitted (errno 1)")]
    public void NamesTheCallThatFailedAndItsErrno(string failing, string message)
    {
        var calls = new ScriptedCalls { Failing = failing };
        var e = Assert.Throws<PrivilegeException>(() => Privileges.DropTo(Mail, calls));
        Assert.Equal(message, e.Message);
        Assert.Equal(failing, calls.Made[^1].Split(' ')[0]);   // stopped at the failing call
    }

    [Fact]
    public void FailsWhenTheIdsDidNotChange()
    {
        var calls = new ScriptedCalls { Ids = (1000, 1000, 0, 0) };
        var e = Assert.Throws<PrivilegeException>(() => Privileges.DropTo(Mail, calls));
        Assert.Equal("dropping to postmaster did not take: uid=1000 euid=1000 gid=0 egid=0, expected uid=1000 gid=1001", e.Message);
    }

    [Fact]
    public void FailsWhenRootCanBeRegained()
    {
        var calls = new ScriptedCalls { RootRegainable = true };
        var e = Assert.Throws<PrivilegeException>(() => Privileges.DropTo(Mail, calls));
        Assert.Equal("setuid(0) still succeeds after dropping to postmaster; refusing to continue", e.Message);
    }

    /// <summary>The real calls, in a child process (see <see cref="StartupHook"/>): as root the child ends up
    /// as nobody on every thread with no other groups; otherwise setgroups is refused.</summary>
    [Fact]
    public void DropsEveryThreadOfARealProcess()
    {
        SystemUser nobody = PasswdDatabase.Instance.Find("nobody") ?? throw new InvalidOperationException("this machine has no user nobody");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["DOTNET_STARTUP_HOOKS"] = typeof(StartupHook).Assembly.Location,
                [StartupHook.Variable] = nobody.Name,
            },
        };
        start.ArgumentList.Add(typeof(StartupHook).Assembly.Location);
        using Process child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd().Trim();
        string errors = child.StandardError.ReadToEnd();
        Assert.True(child.WaitForExit(30_000));

        if (Privileges.IsRoot)
        {
            Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}: {output} {errors}");
            string u = nobody.Uid.ToString(), g = nobody.Gid.ToString();
            Assert.Matches(@"^threads=\d+ ", output);
            Assert.True(int.Parse(output.Split(' ')[0]["threads=".Length..]) >= 4, output);
            // One distinct set of ids across all threads: real, effective, saved and filesystem ids all nobody's.
            Assert.EndsWith($" Uid: {u} {u} {u} {u} | Gid: {g} {g} {g} {g} | Groups: {g}", output);
        }
        else
        {
            Assert.Equal(3, child.ExitCode);
            Assert.Equal($"refused: setgroups([{nobody.Gid}]) failed: Operation not permitted (errno 1)", output);
        }
    }

    [Fact]
    public void ChownsAFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            // As root give it away; otherwise a chown to our own ids is all that is allowed.
            (uint uid, uint gid) = Privileges.IsRoot ? (65534u, 65534u) : (uint.Parse(Run("id", "-u")), uint.Parse(Run("id", "-g")));
            Privileges.Chown(path, uid, gid);
            Assert.Equal($"{uid}:{gid}", Run("stat", "-c", "%u:%g", path).Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ChownNamesThePathAndTheError()
    {
        var e = Assert.Throws<PrivilegeException>(() => Privileges.Chown("/nonexistent/file", 1, 2));
        Assert.Equal("chown(/nonexistent/file, 1, 2) failed: No such file or directory (errno 2)", e.Message);
    }

    static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    /// <summary>Records the calls and answers as scripted: success unless told otherwise.</summary>
    sealed class ScriptedCalls : Privileges.ICredentialCalls
    {
        const int EPERM = 1;
        public List<string> Made { get; } = [];
        public string? Failing { get; init; }
        public bool RootRegainable { get; init; }
        public (uint, uint, uint, uint)? Ids { get; init; }
        uint uid, gid;

        public int SetGroups(uint gid) => Call("setgroups", gid);

        public int SetGid(uint gid)
        {
            this.gid = gid;
            return Call("setgid", gid);
        }

        public int SetUid(uint uid)
        {
            if (uid == 0)
            {
                Made.Add("setuid 0");
                return RootRegainable ? 0 : EPERM;
            }
            this.uid = uid;
            return Call("setuid", uid);
        }

        public (uint Uid, uint EUid, uint Gid, uint EGid) Current()
        {
            Made.Add("ids");
            return Ids ?? (uid, uid, gid, gid);
        }

        int Call(string name, uint id)
        {
            Made.Add($"{name} {id}");
            return name == Failing ? EPERM : 0;
        }
    }
}
