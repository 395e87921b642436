using System.Diagnostics;
using Postmaster.Policy.Delegation;
using Xunit;
using Postmaster.Tests.Support;

namespace Postmaster.Tests.Policy.Delegation;

/// <summary>The client of the policy delegation protocol against a real policy server on loopback and on a unix
/// socket: connection reuse, a server that closes idle connections, one that never answers, garbage.</summary>
public sealed class PolicyServerClientTests
{
    const string Request = "request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=bob@example.org\n\n";
    static readonly TimeSpan Patient = TimeSpan.FromSeconds(10);

    static string Dunno(IReadOnlyDictionary<string, string> _) => "action=DUNNO\n\n";

    [Fact]
    public async Task KeepsOneConnectionOpenForRequestAfterRequest()
    {
        await using var server = ScriptedPolicyServer.Tcp(r => $"action=REJECT {r["recipient"]}\nother=ignored\n\n");
        using var client = new PolicyServerClient(server.Address, TimeProvider.System);

        for (int i = 0; i < 5; i++)
        {
            Dictionary<string, string> reply = await client.AskAsync(Request, Patient, default);
            Assert.Equal("REJECT bob@example.org", reply["action"]);
            Assert.Equal("ignored", reply["other"]);
        }

        Assert.Equal(1, client.Opened);
        Assert.Equal(1, server.Connections);
        Assert.Equal(5, server.Requests.Count);
        Assert.Equal("RCPT", server.Requests.First()["protocol_state"]);
    }

    [Fact]
    public async Task SpeaksOverAUnixSocketToo()
    {
        await using var server = ScriptedPolicyServer.Unix(Dunno);
        using var client = new PolicyServerClient(server.Address, TimeProvider.System);

        Assert.Equal("DUNNO", (await client.AskAsync(Request, Patient, default))["action"]);
        Assert.Equal("DUNNO", (await client.AskAsync(Request, Patient, default))["action"]);
        Assert.Equal(1, server.Connections);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendsAgainOnANewConnectionWhenTheServerClosedTheIdleOne(bool unix)
    {
        await using var server = unix ? ScriptedPolicyServer.Unix(Dunno) : ScriptedPolicyServer.Tcp(Dunno);
        server.CloseAfterReply = true;
        using var client = new PolicyServerClient(server.Address, TimeProvider.System);

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("DUNNO", (await client.AskAsync(Request, Patient, default))["action"]);
            await Task.Delay(50);   // let the close arrive
        }

        Assert.Equal(3, server.Connections);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task GivesUpOnASilentServerAtTheTimeLimit()
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => ScriptedPolicyServer.Silence);
        using var client = new PolicyServerClient(server.Address, TimeProvider.System);
        TimeSpan limit = TimeSpan.FromMilliseconds(300);

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PolicyServerException>(() => client.AskAsync(Request, limit, default));

        Assert.Equal("no reply within 0.3s", e.Message);
        Assert.InRange(clock.Elapsed, limit - TimeSpan.FromMilliseconds(50), limit + TimeSpan.FromSeconds(1));   // timers may fire a hair early
    }

    [Fact]
    public async Task ATimedOutConnectionIsNotUsedAgain()
    {
        int asked = 0;
        await using var server = ScriptedPolicyServer.Tcp(_ => Interlocked.Increment(ref asked) == 1 ? ScriptedPolicyServer.Silence : "action=OK\n\n");
        using var client = new PolicyServerClient(server.Address, TimeProvider.System);

        await Assert.ThrowsAsync<PolicyServerException>(() => client.AskAsync(Request, TimeSpan.FromMilliseconds(200), default));
        Assert.Equal("OK", (await client.AskAsync(Request, Patient, default))["action"]);

        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task ReportsAServerThatIsNotThere()
    {
        using var tcp = new PolicyServerClient(new PolicyServerAddress(null, "127.0.0.1", FreePorts.Tcp()), TimeProvider.System);
        using var unix = new PolicyServerClient(new PolicyServerAddress("/nonexistent/policy.sock", null, 0), TimeProvider.System);

        Assert.Equal("cannot connect: Connection refused",
            (await Assert.ThrowsAsync<PolicyServerException>(() => tcp.AskAsync(Request, Patient, default))).Message);
        Assert.Equal("cannot connect: No such file or directory",
            (await Assert.ThrowsAsync<PolicyServerException>(() => unix.AskAsync(Request, Patient, default))).Message);
    }

    public static TheoryData<string, string> Garbage => new()
    {
        { ScriptedPolicyServer.Close, "closed the connection without a reply" },
        { "action=DUNNO\n" + ScriptedPolicyServer.Close, "closed the connection in the middle of a reply" },
        { "DUNNO\n\n", "reply line without name=value: \"DUNNO\"" },
        { "action=DUNNO\n\naction=OK\n\n", "sent more after the end of its reply" },
        { string.Concat(Enumerable.Repeat("x=y\n", 101)) + "\n", "reply with more than 100 lines" },
        { "action=" + new string('x', 20000) + "\n\n", "reply longer than 16384 bytes" },
    };

    [Theory, MemberData(nameof(Garbage))]
    public async Task RefusesARepliesOutOfProtocolAndStartsAfreshAfterIt(string reply, string expected)
    {
        int asked = 0;
        await using var server = ScriptedPolicyServer.Tcp(_ => Interlocked.Increment(ref asked) == 1 ? reply : "action=OK\n\n");
        using var client = new PolicyServerClient(server.Address, TimeProvider.System);

        var e = await Assert.ThrowsAsync<PolicyServerException>(() => client.AskAsync(Request, Patient, default));
        Assert.Equal(expected, e.Message);

        Assert.Equal("OK", (await client.AskAsync(Request, Patient, default))["action"]);
        Assert.Equal(2, client.Opened);
    }

    [Fact]
    public async Task AcceptsCrLfLineEnds()
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => "action=DEFER_IF_PERMIT later\r\n\r\n");
        using var client = new PolicyServerClient(server.Address, TimeProvider.System);

        Assert.Equal("DEFER_IF_PERMIT later", (await client.AskAsync(Request, Patient, default))["action"]);
    }

    [Fact]
    public async Task ManyRequestsAtOnceShareABoundedNumberOfConnections()
    {
        await using var server = ScriptedPolicyServer.Tcp(r =>
        {
            Thread.Sleep(20);
            return $"action=PREPEND X-Rcpt: {r["recipient"]}\n\n";
        });
        using var client = new PolicyServerClient(server.Address, TimeProvider.System);

        string[] actions = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
            (await client.AskAsync(Request.Replace("bob@", $"u{i}@"), Patient, default))["action"]));

        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"PREPEND X-Rcpt: u{i}@example.org"), actions);
        Assert.InRange(server.Connections, 1, PolicyServerClient.MaxConnections);
    }

}
