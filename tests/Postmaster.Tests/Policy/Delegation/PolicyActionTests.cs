using Postmaster.Policy;
using Postmaster.Policy.Delegation;
using Postmaster.Smtp.Protocol;
using Xunit;

namespace Postmaster.Tests.Policy.Delegation;

/// <summary>Every form of <c>action=</c> a Postfix policy server may answer, and what becomes of it.</summary>
public sealed class PolicyActionTests
{
    // action, verdict as "Kind [reply] [+header] [close]"
    public static TheoryData<string, string> Actions => new()
    {
        { "OK", "Accept" },
        { "ok", "Accept" },
        { "OK whitelisted", "Accept" },
        { "DUNNO", "Continue" },
        { "dunno", "Continue" },
        { "REJECT", "Reject 554 5.7.1 Access denied" },
        { "REJECT Go away", "Reject 554 5.7.1 Go away" },
        { "REJECT 5.7.0 Spam", "Reject 554 5.7.0 Spam" },
        { "reject 4.7.1 class made to agree", "Reject 554 5.7.1 class made to agree" },
        { "DEFER", "Defer 450 4.7.1 Try again later" },
        { "DEFER Busy", "Defer 450 4.7.1 Busy" },
        { "DEFER_IF_PERMIT Greylisted, see http://postgrey.example/", "Defer 450 4.7.1 Greylisted, see http://postgrey.example/" },
        { "DEFER_IF_PERMIT 4.2.0 Greylisted for 300 seconds", "Defer 450 4.2.0 Greylisted for 300 seconds" },
        { "450 Too many", "Defer 450 4.7.1 Too many" },
        { "451 4.3.0 Later", "Defer 451 4.3.0 Later" },
        { "452", "Defer 452 4.7.1 Try again later" },
        { "550 5.1.1 No such user", "Reject 550 5.1.1 No such user" },
        { "553 Sender unwanted", "Reject 553 5.7.1 Sender unwanted" },
        { "550 4.1.1 class made to agree", "Reject 550 5.1.1 class made to agree" },
        { "421 4.7.0 Go away now", "Defer 421 4.7.0 Go away now close" },
        { "521 Go away for good", "Reject 521 5.7.1 Go away for good close" },
        { "PREPEND X-Greylist: delayed 300 seconds by postgrey", "Continue +X-Greylist: delayed 300 seconds by postgrey" },
        { "prepend X-Test:", "Continue +X-Test:" },
        { "PREPEND no colon", "Continue note" },
        { "PREPEND : no name", "Continue note" },
        { "PREPEND Bad Name: spaces", "Continue note" },
        { "WARN something odd", "Continue note" },
        { "INFO hello", "Continue note" },
        { "HOLD", "Continue note" },
        { "DISCARD spam", "Continue note" },
        { "FILTER smtp:[127.0.0.1]:10025", "Continue note" },
        { "REDIRECT x@example.org", "Continue note" },
        { "BCC x@example.org", "Continue note" },
        { "DEFER_IF_REJECT maybe", "Continue note" },
    };

    [Theory, MemberData(nameof(Actions))]
    public void MapsEachActionAsPostfixDoes(string action, string expected)
    {
        PolicyVerdict? verdict = PolicyAction.Read(action);

        Assert.NotNull(verdict);
        Assert.Equal(expected, Show(verdict.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("FROBNICATE")]
    [InlineData("permit")]
    [InlineData("reject_unknown_client_hostname")]
    [InlineData("250 Ok")]
    [InlineData("600 x")]
    [InlineData("460 x")]
    [InlineData("45 x")]
    [InlineData("4.7.1 no code")]
    public void AnythingElseIsNoAnswer(string action)
    {
        Assert.Null(PolicyAction.Read(action));
    }

    [Fact]
    public void AVeryLongTextIsCutToFitAReplyLine()
    {
        PolicyVerdict verdict = PolicyAction.Read("REJECT " + new string('x', 2000))!.Value;

        Assert.Equal(400, verdict.Reply.Text.Length);
    }

    static string Show(PolicyVerdict verdict)
    {
        string text = verdict.Kind.ToString();
        if (verdict.Refuses)
            text += $" {verdict.Reply}";
        foreach (string header in verdict.Headers)
            text += $" +{header}";
        if (verdict.Note is not null)
            text += " note";
        if (verdict.Refuses && verdict.Reply.Action == SessionAction.Close)
            text += " close";
        return text;
    }
}
