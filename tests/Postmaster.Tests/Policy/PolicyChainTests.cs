using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Policy;
using Postmaster.Smtp.Protocol;
using System.Net;
using Xunit;

namespace Postmaster.Tests.Policy;

public sealed class PolicyChainTests
{
    static readonly Reply Rejection = new(550, "5.7.1", "no");
    static readonly Reply Deferral = new(450, "4.7.1", "later");

    static SessionFacts Facts(PolicyStage stage) =>
        new(stage, "1", IPAddress.Parse("192.0.2.1"), null, false, false, "client.example", "ESMTP", null);

    static ValueTask<PolicyVerdict> Ask(PolicyChain chain, PolicyStage stage = PolicyStage.Rcpt) =>
        chain.CheckAsync(Facts(stage), NullLogger.Instance, "192.0.2.1", CancellationToken.None);

    [Fact]
    public async Task The_first_verdict_that_is_not_continue_wins_and_later_policies_are_not_asked()
    {
        var first = new ScriptedPolicy("first", _ => PolicyVerdict.Continue);
        var second = new ScriptedPolicy("second", _ => PolicyVerdict.Defer(Deferral));
        var third = new ScriptedPolicy("third", _ => PolicyVerdict.Reject(Rejection));

        PolicyVerdict verdict = await Ask(new PolicyChain([first, second, third]));

        Assert.Equal(VerdictKind.Defer, verdict.Kind);
        Assert.Equal(Deferral, verdict.Reply);
        Assert.Single(first.Asked);
        Assert.Empty(third.Asked);
    }

    [Fact]
    public async Task Accept_ends_the_stage_without_a_refusal()
    {
        var third = new ScriptedPolicy("third", _ => PolicyVerdict.Reject(Rejection));
        PolicyVerdict verdict = await Ask(new PolicyChain([new ScriptedPolicy("ok", _ => PolicyVerdict.Accept), third]));

        Assert.Equal(VerdictKind.Accept, verdict.Kind);
        Assert.False(verdict.Refuses);
        Assert.Empty(third.Asked);
    }

    [Fact]
    public async Task Headers_of_every_policy_asked_are_kept_in_order()
    {
        var chain = new PolicyChain([
            new ScriptedPolicy("a", _ => PolicyVerdict.ContinueWith("X-A: 1")),
            new ScriptedPolicy("b", _ => PolicyVerdict.ContinueWith("X-B: 2")),
        ]);

        PolicyVerdict verdict = await Ask(chain);

        Assert.Equal(new[] { "X-A: 1", "X-B: 2" }, verdict.Headers.ToArray());
        Assert.Equal(VerdictKind.Continue, verdict.Kind);
    }

    [Fact]
    public async Task A_policy_that_throws_is_a_temporary_failure_not_a_crash()
    {
        var chain = new PolicyChain([new ScriptedPolicy("broken", _ => throw new InvalidOperationException("boom"))]);

        PolicyVerdict verdict = await Ask(chain);

        Assert.Equal(VerdictKind.Defer, verdict.Kind);
        Assert.Equal(PolicyChain.PolicyFailure, verdict.Reply);
    }

    [Fact]
    public async Task A_policy_is_asked_only_at_the_stages_it_handles()
    {
        var mailOnly = new ScriptedPolicy("mail", _ => PolicyVerdict.Reject(Rejection), PolicyStage.Mail);

        PolicyVerdict atRcpt = await Ask(new PolicyChain([mailOnly]), PolicyStage.Rcpt);
        PolicyVerdict atMail = await Ask(new PolicyChain([mailOnly]), PolicyStage.Mail);

        Assert.Equal(VerdictKind.Continue, atRcpt.Kind);
        Assert.Equal(VerdictKind.Reject, atMail.Kind);
    }

    [Fact]
    public void A_reject_must_be_5xx_and_a_defer_4xx()
    {
        Assert.Throws<ArgumentException>(() => PolicyVerdict.Reject(Deferral));
        Assert.Throws<ArgumentException>(() => PolicyVerdict.Defer(Rejection));
    }

    [Fact]
    public void Knows_which_stages_any_policy_is_asked_at()
    {
        var chain = new PolicyChain([new ScriptedPolicy("m", _ => PolicyVerdict.Continue, PolicyStage.Mail),
                                     new ScriptedPolicy("r", _ => PolicyVerdict.Continue, PolicyStage.Rcpt)]);

        Assert.Equal([PolicyStage.Mail, PolicyStage.Rcpt], Enum.GetValues<PolicyStage>().Where(chain.Handles));
        Assert.False(PolicyChain.Empty.Handles(PolicyStage.Connect));
    }
}
