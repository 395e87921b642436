using System.Net;
using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Policy;
using Postmaster.Policy.Delegation;
using Xunit;

namespace Postmaster.Tests.Policy.Delegation;

/// <summary>A <c>socket(...)</c> policy against a real policy server: the stages it is asked at, its answers as
/// verdicts, and what a failing server costs the session (policy-failure).</summary>
public sealed class DelegatedPolicyTests
{
    static readonly TimeSpan Patient = TimeSpan.FromSeconds(10);

    static SessionFacts Facts(PolicyStage stage = PolicyStage.Rcpt) => new(stage, "s1", IPAddress.Parse("192.0.2.7"), null, false, false,
        "client.example", "ESMTP", null, QueueId: "1QID", Sender: Mailbox.Parse("alice@example.net"), HasSender: true,
        Recipient: stage == PolicyStage.Rcpt ? Mailbox.Parse("bob@example.org") : null);

    static DelegatedPolicy Policy(ScriptedPolicyServer server, PolicyStages stages = PolicyStages.Rcpt, TimeSpan? timeout = null,
        PolicyFailureAction failure = PolicyFailureAction.Defer)
    {
        var spec = new PolicySpec.Socket(server.Address.UnixPath, server.Address.Host, server.Address.Port, stages);
        return new DelegatedPolicy(spec, new PolicyServerClient(server.Address, TimeProvider.System), timeout ?? Patient, failure);
    }

    [Fact]
    public async Task IsAskedAtRcptOnlyUnlessMoreStagesAreConfigured()
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => "action=DUNNO\n\n");

        DelegatedPolicy plain = Policy(server);
        DelegatedPolicy both = Policy(server, PolicyStages.Rcpt | PolicyStages.Data);

        Assert.Equal([PolicyStage.Rcpt], Enum.GetValues<PolicyStage>().Where(plain.Handles));
        Assert.Equal([PolicyStage.Rcpt, PolicyStage.Data], Enum.GetValues<PolicyStage>().Where(both.Handles));
        Assert.Equal($"socket(127.0.0.1:{server.Address.Port}, rcpt, data)", both.Name);
    }

    [Fact]
    public async Task TurnsTheServersAnswerIntoAVerdict()
    {
        await using var server = ScriptedPolicyServer.Unix(r => r["recipient"] == "bob@example.org"
            ? "action=DEFER_IF_PERMIT 4.2.0 Greylisted\n\n" : "action=DUNNO\n\n");
        DelegatedPolicy policy = Policy(server);

        PolicyVerdict verdict = await policy.CheckAsync(Facts(), default);

        Assert.Equal(VerdictKind.Defer, verdict.Kind);
        Assert.Equal("450 4.2.0 Greylisted", verdict.Reply.ToString());
        Assert.Equal("RCPT", Assert.Single(server.Requests)["protocol_state"]);
    }

    [Fact]
    public async Task TrustedClientsAreNotAsked()
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => "action=REJECT\n\n");

        PolicyVerdict verdict = await Policy(server).CheckAsync(Facts() with { IsTrusted = true }, default);

        Assert.Equal(VerdictKind.Continue, verdict.Kind);
        Assert.Empty(server.Requests);
        Assert.Equal(VerdictKind.Reject, (await Policy(server).CheckAsync(Facts(), default)).Kind);
    }

    [Fact]
    public async Task ASilentServerCostsA451ByDefault()
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => ScriptedPolicyServer.Silence);

        PolicyVerdict verdict = await Policy(server, timeout: TimeSpan.FromMilliseconds(200)).CheckAsync(Facts(), default);

        Assert.Equal("451 4.3.5 Policy check failed; try again later", verdict.Reply.ToString());
        Assert.Equal("no reply within 0.2s", verdict.Note);
    }

    [Fact]
    public async Task PolicyFailureContinueLetsTheMailThroughWhenTheServerIsDown()
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => ScriptedPolicyServer.Close);

        PolicyVerdict verdict = await Policy(server, failure: PolicyFailureAction.Continue).CheckAsync(Facts(), default);

        Assert.Equal(VerdictKind.Continue, verdict.Kind);
        Assert.Equal("closed the connection without a reply; continuing (policy-failure continue)", verdict.Note);
    }

    [Theory]
    [InlineData("action=FROBNICATE\n\n", "unknown action \"FROBNICATE\"")]
    [InlineData("result=OK\n\n", "reply without action=")]
    public async Task AnAnswerThatIsNoActionIsAFailure(string reply, string note)
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => reply);

        PolicyVerdict verdict = await Policy(server).CheckAsync(Facts(), default);

        Assert.Equal("451 4.3.5 Policy check failed; try again later", verdict.Reply.ToString());
        Assert.Equal(note, verdict.Note);
    }

    [Fact]
    public async Task PolicyServersKeepsOneClientPerAddressAcrossReloads()
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => "action=OK\n\n");
        using var servers = new PolicyServers(TimeProvider.System);
        var spec = new PolicySpec.Socket(null, "127.0.0.1", server.Address.Port);

        await servers.Policy(spec, Patient, PolicyFailureAction.Defer).CheckAsync(Facts(), default);
        await servers.Policy(spec with { Stages = PolicyStages.All }, Patient, PolicyFailureAction.Defer).CheckAsync(Facts(), default);

        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task AServerNoLongerConfiguredLosesItsConnectionsButItsPolicyStillWorks()
    {
        await using var server = ScriptedPolicyServer.Tcp(_ => "action=OK\n\n");
        using var servers = new PolicyServers(TimeProvider.System);
        var spec = new PolicySpec.Socket(null, "127.0.0.1", server.Address.Port);
        DelegatedPolicy policy = servers.Policy(spec, Patient, PolicyFailureAction.Defer);
        await policy.CheckAsync(Facts(), default);

        servers.KeepOnly(new Settings());   // a reload without it
        await Task.Delay(100);

        Assert.Equal(VerdictKind.Accept, (await policy.CheckAsync(Facts(), default)).Kind);
        Assert.Equal(2, server.Connections);
    }
}
