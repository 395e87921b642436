using System.Collections.Immutable;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Postmaster.Config;
using Postmaster.Delivery;
using Postmaster.Dns;
using Postmaster.Logging;
using Postmaster.Platform;
using Postmaster.Policy;
using Postmaster.Policy.Delegation;
using Postmaster.Policy.Dso;
using Postmaster.Queue;
using Postmaster.Routing;
using Postmaster.Smtp.Client;
using Postmaster.Smtp.Server;
using Postmaster.Spf;
using Postmaster.Spool;
using Postmaster.Tls;
using Postmaster.Verification;

namespace Postmaster.Hosting;

/// <summary>The daemon's composition root: configuration → spool → certificate → listeners → privileges →
/// sessions, plus the signals (SIGHUP reload, SIGTERM/SIGINT shutdown).</summary>
/// <remarks>Dependency direction: Cli → Hosting → everything else; nothing depends on Hosting.</remarks>
public sealed class MtaHost
{
    /// <summary>EX_ codes the daemon ends with (sysexits.h).</summary>
    public const int ExitOk = 0, ExitNoUser = 67, ExitUnavailable = 69, ExitSoftware = 70, ExitCantCreate = 73, ExitConfig = 78;

    readonly string _configPath;
    readonly ILoggerFactory _loggers;
    readonly ILogger _log;
    readonly SessionTimeouts _timeouts;
    /// <summary>Policy server connections, kept across reloads.</summary>
    readonly PolicyServers _policyServers = new(TimeProvider.System);
    /// <summary>What the daemon started with: listeners, spool and user cannot change without a restart.</summary>
    readonly Settings _started;
    PostmasterConfig _config;
    readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    static PosixSignalRegistration[]? s_signals;
    volatile SmtpServerContext? _serving;
    /// <summary>verify-recipients: made once, so its cache outlives reloads.</summary>
    RecipientVerifier? _verifier;

    MtaHost(string configPath, PostmasterConfig config, ILoggerFactory loggers, SessionTimeouts timeouts)
    {
        _configPath = configPath;
        _config = config;
        _started = config.Settings;
        _loggers = loggers;
        _log = loggers.CreateLogger("postmaster");
        _timeouts = timeouts;
    }

    /// <summary>Runs the daemon until SIGTERM or SIGINT; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string configPath, PostmasterConfig config, SessionTimeouts? timeouts = null)
    {
        using ILoggerFactory loggers = LogSetup.Create(config.Settings.Log);
        ReserveThreadsForDiskWaits();
        var host = new MtaHost(configPath, config, loggers, timeouts ?? SessionTimeouts.Rfc5321);
        // Our handlers for the whole life of the process: a second SIGTERM during shutdown (even after this method
        // returns and the process is on its way out), or a SIGHUP before the listeners are up, must not fall
        // through to the default action (death with 143/129). Kept in a static field: never disposed.
        s_signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true;
                if (host._serving is { } context)
                    _ = Task.Run(() => host.Reload(context));
            }),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                host._stop.TrySetResult();
            }),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
            {
                signal.Cancel = true;
                host._stop.TrySetResult();
            }),
        ];
        try
        {
            return await host.RunAsync();
        }
        catch (Exception bug)
        {
            HostLog.Crashed(host._log, bug);
            return ExitSoftware;
        }
    }

    /// <summary>Every durable step (fsync of a spool file, a Maildir file, a directory) blocks a pool thread for
    /// a millisecond or more. The pool would add threads for that only slowly (it cannot tell a blocked thread
    /// from a busy one), and meanwhile sessions wait for a thread to read their next command: so keep enough
    /// threads from the start for every session that may be waiting on the disk at once.</summary>
    static void ReserveThreadsForDiskWaits()
    {
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 128), completionPorts);
    }

    async Task<int> RunAsync()
    {
        Settings settings = _config.Settings;
        if (!TryChooseUser(settings, out SystemUser? runAs, out int failure))
            return failure;

        var spool = new SpoolDirectory(settings.Spool, TimeProvider.System, _loggers.CreateLogger<SpoolDirectory>());
        X509Certificate2? certificate;
        RelayCredentials credentials;
        SmtpListener listener;
        var dns = new DnsResolver(settings.DnsServers, TimeSpan.FromSeconds(5));
        try
        {
            spool.Open();
            // Others may pass through the spool's root to reach submit.sock, and see nothing else in it.
            File.SetUnixFileMode(spool.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            if (runAs is not null)
                HandOver(spool.Root, runAs);
            // Named certificate files are often readable by root only: load them before dropping privileges.
            certificate = settings.TlsCertificate is { } named ? TlsCertificates.Load(named, settings.TlsKey!) : null;
            // So is relay-credentials (it must be: mode 0600): read once, here.
            credentials = LoadCredentials(settings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TlsSetupException or PrivilegeException
                                      or InvalidDataException)
        {
            HostLog.StartFailed(_log, e.Message);
            return e is TlsSetupException or InvalidDataException ? ExitConfig : ExitCantCreate;
        }

        // Deliveries for system users run as those users: a privileged agent started now, while still root.
        await using LocalDeliveryProcess local = LocalDeliveryProcess.StartAgentIfRoot(spool.Root, _loggers.CreateLogger("deliver"));
        QueueRunner? runner = null;
        var nextHops = new NextHopResolver(settings.DnsServers, TimeSpan.FromSeconds(10));
        _verifier = new RecipientVerifier(nextHops, credentials, TimeProvider.System, _loggers.CreateLogger("verify"));
        // Policies come once root is given up (plugins run as the daemon's user); no session runs before that.
        var context = new SmtpServerContext(Snapshot(_config, certificate, PolicyChain.Empty), spool, dns, TimeProvider.System,
            _loggers.CreateLogger("smtpd"), _timeouts) { Queued = id => runner?.Notify(id) };
        await using var relay = new RelayMailer(nextHops, () => new SmtpClientOptions(context.Current.Settings.Hostname),
            _loggers.CreateLogger("smtp"), credentials);
        runner = new QueueRunner(spool, new MailerDispatch(local, PasswdDatabase.Instance, relay),
            () => new RunnerConfig(context.Current.Settings, context.Current.Resolver), TimeProvider.System,
            _loggers.CreateLogger("queue"));
        try
        {
            listener = SmtpListener.Bind(context, settings.Listen, spool.SubmissionSocket);
        }
        catch (SocketException e)
        {
            HostLog.StartFailed(_log, $"cannot listen on {string.Join(", ", settings.Listen)}: {e.Message}");
            return ExitUnavailable;
        }

        try
        {
            if (runAs is not null)
                Privileges.DropTo(runAs);
            if (!LoadPlugins(settings, problem => HostLog.StartFailed(_log, problem)))
            {
                DsoPlugins.CleanupAll(TimeSpan.FromSeconds(5));   // those that did load
                await listener.DisposeAsync();
                return ExitConfig;
            }
            context.Current = Snapshot(_config, context.Current.Certificate);
            if (certificate is null && settings.TlsCertificate is null)
                context.Current = context.Current.WithCertificate(AutoCertificate(settings));
        }
        catch (PrivilegeException e)
        {
            HostLog.StartFailed(_log, e.Message);
            await listener.DisposeAsync();
            return ExitSoftware;
        }

        return await ServeAsync(context, listener, runner);
    }

    async Task<int> ServeAsync(SmtpServerContext context, SmtpListener listener, QueueRunner runner)
    {
        listener.Start();
        _serving = context;
        using var stopRunner = new CancellationTokenSource();
        Task running = runner.RunAsync(stopRunner.Token);
        HostLog.Started(_log, typeof(MtaHost).Assembly.GetName().Version?.ToString(3) ?? "?", _config.Settings.Hostname,
            Environment.ProcessId, context.Spool.Root);
        await _stop.Task;
        _serving = null;

        // Stop accepting; idle sessions leave now, transactions get a grace period to finish.
        HostLog.Stopping(_log, listener.OpenSessions, _timeouts.ShutdownGrace.TotalSeconds);
        context.BeginShutdown();
        Task stopped = listener.StopAsync();
        if (await Task.WhenAny(stopped, Task.Delay(_timeouts.ShutdownGrace)) != stopped)
            context.EndGracePeriod();
        await stopped;
        stopRunner.Cancel();   // deliveries in flight finish; their children have their own time limits
        await running;
        DsoPlugins.CleanupAll(TimeSpan.FromSeconds(5));
        _policyServers.Dispose();
        HostLog.Stopped(_log);
        return ExitOk;
    }

    /// <summary>SIGHUP: load the file again; a broken file is refused and the running configuration stays.</summary>
    void Reload(SmtpServerContext context)
    {
        var errors = new List<ConfigError>();
        PostmasterConfig? fresh = ConfigLoader.Load(_configPath, PasswdDatabase.Instance, HostIdentity.FullyQualifiedName,
            errors, tolerate: error => UnreadableSinceStart(error, _config.Settings));
        foreach (ConfigError error in errors)
            HostLog.ReloadProblem(_log, error.ToString());
        if (fresh is null)
        {
            HostLog.ReloadRefused(_log, _configPath);
            return;
        }

        Settings next = fresh.Settings;
        foreach (string name in RestartOnly(_started, next))
            HostLog.NeedsRestart(_log, name);

        // Certificate files are read again, so a certificate renewed in place takes effect; one that cannot be
        // read any more (root-only, and we are not root now) stays as loaded at start.
        X509Certificate2? certificate = context.Current.Certificate;
        try
        {
            certificate = next.TlsCertificate is { } named ? TlsCertificates.Load(named, next.TlsKey!) : AutoCertificate(next);
        }
        catch (TlsSetupException e)
        {
            HostLog.ReloadProblem(_log, $"keeping the old certificate: {e.Message}");
        }
        if (!LoadPlugins(next, problem => HostLog.ReloadProblem(_log, problem)))
        {
            HostLog.ReloadRefused(_log, _configPath);
            return;
        }
        _config = fresh;
        context.Current = Snapshot(fresh, certificate);
        HostLog.Reloaded(_log, _configPath, fresh.Routes.Routes.Length);
    }

    /// <exception cref="InvalidDataException">The file is unreadable, too open, or has bad lines (one-line message).</exception>
    static RelayCredentials LoadCredentials(Settings settings)
    {
        if (settings.RelayCredentials is not { } path)
            return RelayCredentials.Empty;
        if (RelayCredentials.TryLoad(path, out RelayCredentials? loaded, out var problems))
            return loaded;
        throw new InvalidDataException(string.Join("; ", problems));
    }

    /// <summary>A TLS file the daemon read as root at start and cannot read now: not a reason to refuse a reload.</summary>
    static bool UnreadableSinceStart(ConfigError error, Settings running) =>
        (error.Message.StartsWith("tls-certificate: cannot read", StringComparison.Ordinal) && running.TlsCertificate is not null ||
         error.Message.StartsWith("tls-key: cannot read", StringComparison.Ordinal) && running.TlsKey is not null)
        && error.Message.Contains("Permission denied", StringComparison.Ordinal);

    static IEnumerable<string> RestartOnly(Settings old, Settings next)
    {
        if (!old.Listen.SequenceEqual(next.Listen)) yield return "listen";
        if (old.Spool != next.Spool) yield return "spool";
        if (old.User != next.User) yield return "user";
        if (old.Log != next.Log) yield return "log";
        if (!old.DnsServers.SequenceEqual(next.DnsServers)) yield return "dns-servers";
    }

    ServerSnapshot Snapshot(PostmasterConfig config, X509Certificate2? certificate, PolicyChain? policies = null) =>
        new(config.Settings, new RouteResolver(config.Routes, config.Settings.Hostname, config.Settings.LocalMailer,
            PasswdDatabase.Instance), certificate) { Policies = policies ?? Policies(config.Settings) };

    /// <summary>The spam defences of <paramref name="settings"/>, in the order they are asked.</summary>
    PolicyChain Policies(Settings settings)
    {
        var policies = ImmutableArray.CreateBuilder<ISessionPolicy>();
        if (SpfPolicyFor(settings) is { } spf)
            policies.Add(spf);          // SPF first: the cheapest reason to refuse
        policies.AddRange(settings.Policy.Select(ConfiguredPolicy(settings)));
        _policyServers.KeepOnly(settings);
        if (settings.VerifyRecipients && _verifier is not null)
            policies.Add(new RecipientVerificationPolicy(_verifier, settings));   // best last: it costs a question to the next hop
        return new PolicyChain(policies.ToImmutable());
    }

    /// <summary>A <c>policy</c> entry: a dso(...) plugin (loaded by <see cref="LoadPlugins"/>) or a socket(...) server.</summary>
    Func<PolicySpec, ISessionPolicy> ConfiguredPolicy(Settings settings) => spec => spec switch
    {
        PolicySpec.Dso dso => DsoPlugins.Policy(dso, settings.PolicyTimeout, settings.PolicyFailure),
        PolicySpec.Socket socket => _policyServers.Policy(socket, settings.PolicyTimeout, settings.PolicyFailure),
        _ => throw new InvalidOperationException($"unknown policy {spec}"),
    };

    /// <summary>Loads the dso(...) plugins not loaded yet; each one that cannot be is reported (file:line:column).</summary>
    bool LoadPlugins(Settings settings, Action<string> report)
    {
        var errors = new List<ConfigError>();
        bool ok = DsoPlugins.Load(settings, errors, _loggers.CreateLogger("policy"));
        foreach (ConfigError error in errors)
            report(error.ToString());
        return ok;
    }

    /// <summary>The <c>spf</c> setting's policy; none when off, or when libspf2 is missing (logged; with
    /// <c>spf reject</c> the configuration would not have loaded).</summary>
    SpfPolicy? SpfPolicyFor(Settings settings)
    {
        if (settings.Spf == SpfMode.Off)
            return null;
        ILogger log = _loggers.CreateLogger("spf");
        if (SpfLibrary.Status is { IsAvailable: false } missing)
        {
            SpfLog.Unavailable(log, SettingsFormat.Format(settings, "spf"), missing.Problem!);
            return null;
        }
        return new SpfPolicy(settings.Spf, new SpfEvaluator(settings.DnsServers, settings.Hostname), log);
    }

    X509Certificate2? AutoCertificate(Settings settings)
    {
        try
        {
            return TlsCertificates.LoadOrCreateSelfSigned(Path.Combine(settings.Spool, "tls"), settings.Hostname, TimeProvider.System);
        }
        catch (Exception e) when (e is TlsSetupException or IOException or UnauthorizedAccessException)
        {
            HostLog.NoTls(_log, e.Message);
            return null;
        }
    }

    /// <summary>Started as root: become <c>user</c> (default postmaster), never stay root. Otherwise stay who we are.</summary>
    bool TryChooseUser(Settings settings, out SystemUser? runAs, out int failure)
    {
        runAs = null;
        failure = ExitOk;
        if (!Privileges.IsRoot)
        {
            if (settings.User is { } wanted)
                HostLog.UserIgnored(_log, wanted);
            return true;
        }
        string name = settings.User ?? "postmaster";
        runAs = PasswdDatabase.Instance.Find(name);
        if (runAs is null)
        {
            HostLog.StartFailed(_log, $"user \"{name}\" does not exist: create it (useradd --system --no-create-home " +
                $"--shell /usr/sbin/nologin {name}) or name another in the user setting");
            failure = ExitNoUser;
            return false;
        }
        if (runAs.Uid == 0)
        {
            HostLog.StartFailed(_log, $"refusing to run as root (user \"{name}\" has uid 0)");
            failure = ExitConfig;
            return false;
        }
        return true;
    }

    /// <summary>The spool belongs to the daemon's user: it keeps working there after dropping root.</summary>
    static void HandOver(string spoolRoot, SystemUser user)
    {
        Privileges.Chown(spoolRoot, user.Uid, user.Gid);
        foreach (string entry in Directory.EnumerateFileSystemEntries(spoolRoot, "*", SearchOption.AllDirectories))
            Privileges.Chown(entry, user.Uid, user.Gid);
    }
}
