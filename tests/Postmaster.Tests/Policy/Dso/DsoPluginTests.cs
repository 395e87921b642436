using System.Diagnostics;
using System.Net;
using Postmaster.Config;
using Postmaster.Mail;
using Postmaster.Policy;
using Postmaster.Policy.Dso;
using Xunit;

namespace Postmaster.Tests.Policy.Dso;

/// <summary>Real plugins, built with gcc and loaded into this process: loading, the facts they see, their verdicts,
/// and the ones that hang, answer garbage, or do not fit the ABI.</summary>
public sealed class DsoPluginTests
{
    static readonly TimeSpan Patient = TimeSpan.FromSeconds(10);

    static SessionFacts Facts(PolicyStage stage, string? sender = "alice@example.net", string? helo = "client.example") => new(
        stage, "s1", IPAddress.Parse("192.0.2.7"), "client.example", IsLocal: false, IsTrusted: false, helo, "ESMTP", null,
        QueueId: stage >= PolicyStage.Mail ? "1ABC" : null,
        Sender: sender is null ? null : Mailbox.Parse(sender), HasSender: stage >= PolicyStage.Mail);

    static DsoPlugin Load(string path)
    {
        DsoPlugin? plugin = DsoPlugin.TryLoad(path, out string? problem);
        Assert.True(plugin is not null, problem);
        return plugin;
    }

    static async Task<PolicyVerdict> AskAsync(DsoPlugin plugin, SessionFacts facts, TimeSpan? timeout = null,
        PolicyFailureAction failure = PolicyFailureAction.Defer) =>
        await new DsoPolicy(plugin, timeout ?? Patient, failure).CheckAsync(facts, CancellationToken.None);

    static string Show(PolicyVerdict verdict) => verdict.Refuses ? $"{verdict.Kind} {verdict.Reply}" : verdict.Kind.ToString();

    [Fact]
    public async Task TheSampleRejectsTheSpammerAndDefersTheTempfailDomain()
    {
        DsoPlugin plugin = Load(PluginBuild.Sample());

        Assert.Equal("Reject 550 5.7.1 HELO spammer.example is not welcome here",
            Show(await AskAsync(plugin, Facts(PolicyStage.Helo, helo: "SPAMMER.example"))));
        Assert.Equal("Reject 550 5.7.1 Mail from spammer.example is not accepted here",
            Show(await AskAsync(plugin, Facts(PolicyStage.Mail, "bob@spammer.example"))));
        Assert.Equal("Defer 451 4.7.1 Senders at tempfail.example must try again later",
            Show(await AskAsync(plugin, Facts(PolicyStage.Mail, "bob@tempfail.example"))));
        Assert.Equal("Continue", Show(await AskAsync(plugin, Facts(PolicyStage.Mail, "bob@example.net"))));
        Assert.Equal("Continue", Show(await AskAsync(plugin, Facts(PolicyStage.Helo))));
    }

    [Fact]
    public async Task HandsThePluginEveryFactInItsStruct()
    {
        DsoPlugin plugin = Load(PluginBuild.Test("ECHO"));
        var facts = new SessionFacts(PolicyStage.Rcpt, "s9", IPAddress.Parse("2001:db8::7"), null, IsLocal: false, IsTrusted: true,
            "helo.example", "ESMTPS", "TLSv1.3 TLS_AES_256_GCM_SHA384", QueueId: "1QID", Sender: null, HasSender: true,
            Size: 12345, Recipient: Mailbox.Parse("bob@example.org"), RecipientCount: 2);

        PolicyVerdict verdict = await AskAsync(plugin, facts);

        Assert.Equal("550 5.7.1 stage=4 client=2001:db8::7 name=(null) helo=helo.example proto=ESMTPS " +
                     "tls=TLSv1.3 TLS_AES_256_GCM_SHA384 sender= rcpt=bob@example.org qid=1QID size=12345 count=2 flags=3 struct=96",
            verdict.Reply.ToString());
    }

    [Fact]
    public async Task TellsThePluginWhatIsNotKnownYetAsNull()
    {
        DsoPlugin plugin = Load(PluginBuild.Test("ECHO"));

        PolicyVerdict verdict = await AskAsync(plugin, Facts(PolicyStage.Mail, "echo@example.net", helo: null) with { IsLocal = true });

        Assert.Equal("550 5.7.1 stage=3 client=192.0.2.7 name=client.example helo=(null) proto=ESMTP tls=(null) " +
                     "sender=echo@example.net rcpt=(null) qid=1ABC size=-1 count=0 flags=4 struct=96", verdict.Reply.ToString());
    }

    [Fact]
    public async Task AHungCallIsAbandonedAtTheTimeLimitAndLaterCallsAreRefusedAtOnceUntilItReturns()
    {
        DsoPlugin plugin = Load(PluginBuild.Test("HANG=2"));
        TimeSpan limit = TimeSpan.FromMilliseconds(300);

        var clock = Stopwatch.StartNew();
        PolicyVerdict hung = await AskAsync(plugin, Facts(PolicyStage.Mail, "hang@example.net"), limit);
        TimeSpan waited = clock.Elapsed;
        Assert.Equal("Defer 451 4.3.5 Policy check failed; try again later", Show(hung));
        Assert.Equal("no answer within 0.3s", hung.Note);
        Assert.InRange(waited, limit - TimeSpan.FromMilliseconds(50), limit + TimeSpan.FromSeconds(1));   // timers may fire a hair early
        Assert.True(plugin.IsStuck);

        clock.Restart();
        PolicyVerdict refused = await AskAsync(plugin, Facts(PolicyStage.Mail, "fine@example.net"), limit);
        Assert.True(clock.Elapsed < limit, $"took {clock.Elapsed}");
        Assert.Equal(VerdictKind.Defer, refused.Kind);
        Assert.StartsWith("stuck: a check has not returned for ", refused.Note);

        // The sleep ends after 2 s; then the plugin is asked again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (plugin.IsStuck && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal("Continue", Show(await AskAsync(plugin, Facts(PolicyStage.Mail, "fine@example.net"), limit)));
    }

    [Fact]
    public async Task PolicyFailureContinueLetsTheSessionGoOnWhenThePluginHangs()
    {
        DsoPlugin plugin = Load(PluginBuild.Test("HANG=1"));

        PolicyVerdict verdict = await AskAsync(plugin, Facts(PolicyStage.Mail, "hang@example.net"), TimeSpan.FromMilliseconds(200),
            PolicyFailureAction.Continue);

        Assert.Equal(VerdictKind.Continue, verdict.Kind);
        Assert.Equal("no answer within 0.2s; continuing (policy-failure continue)", verdict.Note);
    }

    [Fact]
    public async Task GarbageFromThePluginIsATemporaryFailureNamingWhatWasWrong()
    {
        DsoPlugin plugin = Load(PluginBuild.Test("GARBAGE"));

        PolicyVerdict verdict = await AskAsync(plugin, Facts(PolicyStage.Mail, "verdict@example.net"));
        Assert.Equal("Defer 451 4.3.5 Policy check failed; try again later", Show(verdict));
        Assert.Equal("returned the unknown verdict 42", verdict.Note);

        verdict = await AskAsync(plugin, Facts(PolicyStage.Mail, "latin1@example.net"));
        Assert.Equal("reply is not UTF-8: \"550 5.7.1 caf\\xe9\"", verdict.Note);

        Assert.Equal("Reject 554 5.7.1 Fine rejection", Show(await AskAsync(plugin, Facts(PolicyStage.Mail, "fine@example.net"))));
    }

    [Fact]
    public async Task ChecksRunOnTheirOwnThreadsSeveralAtATime()
    {
        DsoPlugin plugin = Load(PluginBuild.Test("SLOW_MS=200"));
        var policy = new DsoPolicy(plugin, Patient, PolicyFailureAction.Defer);

        var clock = Stopwatch.StartNew();
        PolicyVerdict[] verdicts = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(_ => policy.CheckAsync(Facts(PolicyStage.Mail), CancellationToken.None).AsTask()));

        Assert.All(verdicts, v => Assert.Equal(VerdictKind.Continue, v.Kind));
        // 12 calls of 200 ms: 2.4 s one after another, 0.6 s on the plugin's 4 threads.
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromMilliseconds(1800));
    }

    [Fact]
    public void CleanupIsCalledOnce()
    {
        string file = Path.Combine(Path.GetTempPath(), $"pm-cleanup-{Guid.NewGuid():N}");
        try
        {
            DsoPlugin plugin = Load(PluginBuild.Test($"CLEANUP_FILE=\"{file}\""));
            plugin.Cleanup(TimeSpan.FromSeconds(5));
            plugin.Cleanup(TimeSpan.FromSeconds(5));

            Assert.Equal("cleanup\n", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static TheoryData<string, string> Unloadable => new()
    {
        { "ABI=2", "implements policy ABI version 2, but this Postmaster speaks version 1" },
        { "ABI=0", "implements policy ABI version 0, but this Postmaster speaks version 1" },
        { "INIT_FAILS", "init failed: cannot open /nonexistent/plugin.db" },
        { "NO_CLEANUP", "no symbol postmaster_policy_cleanup (not a Postmaster policy plugin?)" },
    };

    [Theory, MemberData(nameof(Unloadable))]
    public void APluginThatDoesNotFitIsAConfigurationErrorAtItsPlace(string define, string expected)
    {
        string path = PluginBuild.Test(define);
        var errors = new List<ConfigError>();
        var settings = new Settings { Policy = [new PolicySpec.Dso(path) { Where = new SourceLocation("p.cf", 3, 12) }] };

        Assert.False(DsoPlugins.Load(settings, errors));

        Assert.Equal($"p.cf:3:12: policy: dso: {path}: {expected}", Assert.Single(errors).ToString());
    }

    [Fact]
    public void AnUnresolvedSymbolIsFoundAtLoadTimeNotAtTheFirstCall()
    {
        string path = PluginBuild.FromSource("""
            #include "postmaster_policy.h"
            extern int no_such_function(void);
            int postmaster_policy_init(uint32_t v, char *e, size_t n) { (void)v; (void)e; (void)n; return 1; }
            int postmaster_policy_check(const struct postmaster_policy_facts *f, char *r, size_t n)
            { (void)f; (void)r; (void)n; return no_such_function(); }
            void postmaster_policy_cleanup(void) {}
            """);

        Assert.Null(DsoPlugin.TryLoad(path, out string? problem));
        Assert.Equal($"{path}: undefined symbol: no_such_function", problem);
    }

    [Fact]
    public void AFileThatIsNoSharedObjectIsRefused()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "plugins", "not-elf.so");
        File.WriteAllText(path, "this is not ELF, but long enough to have a header of the right size for dlopen to look at it\n");

        Assert.Null(DsoPlugin.TryLoad(path, out string? problem));
        Assert.Equal($"{path}: invalid ELF header", problem);
    }

    [Fact]
    public async Task APathIsLoadedAndInitialisedOnceAndStaysLoaded()
    {
        string file = Path.Combine(Path.GetTempPath(), $"pm-init-{Guid.NewGuid():N}");
        try
        {
            string path = PluginBuild.Test("ECHO", $"INIT_FILE=\"{file}\"");
            var dso = new PolicySpec.Dso(path);
            var settings = new Settings { Policy = [dso] };
            var errors = new List<ConfigError>();

            Assert.True(DsoPlugins.Load(settings, errors));
            ISessionPolicy first = DsoPlugins.Policy(dso, Patient, PolicyFailureAction.Defer);
            Assert.True(DsoPlugins.Load(settings, errors));   // as on a reload that still names the path
            ISessionPolicy second = DsoPlugins.Policy(dso, Patient, PolicyFailureAction.Defer);

            Assert.Empty(errors);
            Assert.Equal("init\n", File.ReadAllText(file));
            Assert.Equal($"dso({path})", second.Name);
            Assert.Equal(VerdictKind.Reject, (await first.CheckAsync(Facts(PolicyStage.Rcpt), default)).Kind);
            Assert.Equal(VerdictKind.Reject, (await second.CheckAsync(Facts(PolicyStage.Rcpt), default)).Kind);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
