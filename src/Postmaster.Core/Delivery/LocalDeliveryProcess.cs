using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Platform;
using Postmaster.Routing;
using Postmaster.Spool;

namespace Postmaster.Delivery;

/// <summary>What the queue runner calls for a local recipient: runs <c>postmaster deliver</c> for it in a child
/// process, as the right user, and returns the outcome.</summary>
/// <remarks>
/// <para>Two ways, chosen once when the daemon starts:</para>
/// <list type="bullet">
/// <item>Started as root: <see cref="StartAgentIfRoot"/>, called before the daemon drops privileges, re-executes
/// the binary as <c>postmaster deliver --agent</c>, which stays root (<see cref="DeliveryAgent"/>). Deliveries
/// for a system user go to it as one line each; it starts <c>deliver --user NAME</c>, which becomes that user.
/// Deliveries without a user (path targets) never need root and run directly as the daemon's user.</item>
/// <item>Not root: every delivery runs directly, as the current user (<c>--user</c> is passed only when it
/// names the current user, for the pipe environment).</item>
/// </list>
/// <para>If the agent dies, deliveries that need it defer (4.3.0) until the daemon restarts: it cannot be
/// started again once root is gone.</para>
/// </remarks>
public sealed class LocalDeliveryProcess : IAsyncDisposable
{
    readonly string _executable;
    readonly ILogger _log;
    readonly Process? _agent;
    readonly SemaphoreSlim _writeGate = new(1, 1);
    readonly Dictionary<long, TaskCompletionSource<DeliveryResult>> _pending = [];
    readonly Lock _gate = new();
    readonly Task? _reader;
    long _nextId;
    bool _agentGone;
    volatile bool _disposing;

    LocalDeliveryProcess(string executable, ILogger log, TimeSpan timeLimit, Process? agent)
    {
        _executable = executable;
        _log = log;
        TimeLimit = timeLimit;
        _agent = agent;
        if (agent is not null)
            _reader = Task.Run(ReadAnswersAsync);
    }

    /// <summary>Whether deliveries for system users go through the privileged agent.</summary>
    public bool HasAgent => _agent is not null;

    /// <summary>The time limit of a pipe command (the <c>deliver</c> child gets <see cref="DeliverChild.Margin"/> more).</summary>
    public TimeSpan TimeLimit { get; }

    /// <summary>Call before dropping root: when the process is root, starts the agent for <paramref name="spoolRoot"/>;
    /// otherwise (or if it cannot start) returns an instance that runs every delivery directly.</summary>
    /// <param name="executable">The postmaster binary; <see cref="Environment.ProcessPath"/> when null.</param>
    public static LocalDeliveryProcess StartAgentIfRoot(string spoolRoot, ILogger? log = null, TimeSpan? timeLimit = null,
        string? executable = null)
    {
        log ??= NullLogger.Instance;
        executable ??= Environment.ProcessPath ?? throw new InvalidOperationException("no executable path");
        TimeSpan limit = timeLimit ?? PipeMailer.DefaultTimeLimit;
        if (!Privileges.IsRoot)
            return new LocalDeliveryProcess(executable, log, limit, agent: null);
        return StartAgent(executable, ["deliver", "--agent", "--spool=" + Path.GetFullPath(spoolRoot)], log, limit, spoolRoot);
    }

    /// <summary>An instance without an agent: every delivery runs as the current user.</summary>
    public static LocalDeliveryProcess Direct(ILogger? log = null, TimeSpan? timeLimit = null, string? executable = null) =>
        new(executable ?? Environment.ProcessPath ?? throw new InvalidOperationException("no executable path"),
            log ?? NullLogger.Instance, timeLimit ?? PipeMailer.DefaultTimeLimit, agent: null);

    /// <summary>Starts <paramref name="executable"/> with <paramref name="arguments"/> as the agent (tests give a stand-in).</summary>
    /// <param name="directExecutable">What runs deliveries that need no agent; <paramref name="executable"/> when null.</param>
    internal static LocalDeliveryProcess StartAgent(string executable, IEnumerable<string> arguments, ILogger log, TimeSpan timeLimit,
        string spoolRoot, string? directExecutable = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,      // the agent's own complaints go where the daemon's log goes
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        try
        {
            Process agent = Process.Start(start) ?? throw new Win32Exception("no process started");
            LocalDeliveryLog.AgentStarted(log, agent.Id, spoolRoot);
            return new LocalDeliveryProcess(directExecutable ?? executable, log, timeLimit, agent);
        }
        catch (Win32Exception e)
        {
            LocalDeliveryLog.AgentNotStarted(log, e.Message);
            return new LocalDeliveryProcess(directExecutable ?? executable, log, timeLimit, agent: null);
        }
    }

    /// <summary>Delivers queue/&lt;id&gt;.msg with <paramref name="mailer"/> (a maildir, mbox or pipe target,
    /// already expanded by routing) as <paramref name="user"/> (null: as the daemon's user).</summary>
    public Task<DeliveryResult> DeliverAsync(string messagePath, Target mailer, string? user, DeliveryEnvelope envelope,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailer);
        ArgumentNullException.ThrowIfNull(envelope);
        if (mailer is not (Target.Maildir or Target.Mbox or Target.Pipe))
            return Task.FromResult(DeliveryResult.Failed("5.3.5", $"{mailer} is not a local mailer"));
        if (user is not null && _agent is not null)
            return ThroughAgentAsync(new AgentRequest(0, messagePath, mailer, user, envelope, TimeLimit), cancellationToken);
        // Without the agent --user is only allowed for ourselves; for anyone else we are who the delivery runs as.
        string? asUser = user is not null && user == Environment.UserName ? user : null;
        return DirectAsync(messagePath, DeliverChild.Arguments(mailer, asUser, envelope, TimeLimit), cancellationToken);
    }

    /// <summary>The same for one recipient of a queued message: its mailer, its system user
    /// (<see cref="EnvelopeRecipient.LocalUser"/>) and the envelope facts.</summary>
    public Task<DeliveryResult> DeliverAsync(string messagePath, Envelope envelope, EnvelopeRecipient recipient, Target mailer,
        CancellationToken cancellationToken) =>
        DeliverAsync(messagePath, mailer, recipient.LocalUser, DeliveryEnvelope.From(envelope, recipient), cancellationToken);

    /// <remarks>The child reads the queued file itself (<c>--message-file</c>) rather than from us: if the daemon dies
    /// half-way, a child fed through a pipe would see an early end of input and deliver half a message.</remarks>
    async Task<DeliveryResult> DirectAsync(string messagePath, List<string> arguments, CancellationToken cancellationToken)
    {
        if (!File.Exists(messagePath))
            return DeliveryResult.Deferred("4.3.0", $"cannot read {messagePath}: no such file");
        arguments.Add("--message-file=" + messagePath);
        return await DeliverChild.RunAsync(_executable, arguments, Stream.Null, TimeLimit + DeliverChild.Margin, cancellationToken);
    }

    async Task<DeliveryResult> ThroughAgentAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<DeliveryResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        long id;
        lock (_gate)
        {
            if (_agentGone)
                return AgentGone();
            id = ++_nextId;
            _pending[id] = answer;
        }
        try
        {
            await _writeGate.WaitAsync(cancellationToken);
            try
            {
                StreamWriter input = _agent!.StandardInput;
                await input.WriteLineAsync(AgentProtocol.FormatRequest(request with { Id = id }));
                await input.FlushAsync(cancellationToken);
            }
            finally
            {
                _writeGate.Release();
            }
        }
        catch (IOException)
        {
            AgentEnded();
        }

        // The agent's child has its own limit; this is the backstop if the agent itself stops answering.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeLimit + DeliverChild.Margin * 2);
        try
        {
            return await answer.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Deferred("4.3.0", "the delivery agent did not answer in time");
        }
        finally
        {
            lock (_gate)
                _pending.Remove(id);
        }
    }

    async Task ReadAnswersAsync()
    {
        try
        {
            while (await _agent!.StandardOutput.ReadLineAsync() is { } line)
            {
                if (!AgentProtocol.TryParseResult(line, out long id, out DeliveryResult? result))
                {
                    LocalDeliveryLog.AgentGarbage(_log, DiagnosticText.OneLine(line, 200));
                    continue;
                }
                TaskCompletionSource<DeliveryResult>? waiter;
                lock (_gate)
                    _pending.Remove(id, out waiter);
                waiter?.TrySetResult(result);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        AgentEnded();
    }

    void AgentEnded()
    {
        List<TaskCompletionSource<DeliveryResult>> waiting;
        lock (_gate)
        {
            if (_agentGone)
                return;
            _agentGone = true;
            waiting = [.. _pending.Values];
            _pending.Clear();
        }
        int exitCode = -1;
        try
        {
            if (_agent!.WaitForExit(TimeSpan.FromSeconds(5)))
                exitCode = _agent.ExitCode;
        }
        catch (InvalidOperationException)
        {
        }
        if (!_disposing)
            LocalDeliveryLog.AgentExited(_log, exitCode);
        foreach (TaskCompletionSource<DeliveryResult> waiter in waiting)
            waiter.TrySetResult(AgentGone());
    }

    static DeliveryResult AgentGone() =>
        DeliveryResult.Deferred("4.3.0", "the delivery agent has exited; deliveries to system users wait for a daemon restart");

    /// <summary>Closes the agent's stdin: it finishes the deliveries under way and exits.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_agent is null)
            return;
        _disposing = true;
        try
        {
            await _writeGate.WaitAsync();
            _agent.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        if (_reader is not null)
        {
            try
            {
                await _reader.WaitAsync(TimeLimit + DeliverChild.Margin);
            }
            catch (TimeoutException)
            {
                // A delivery still running at shutdown: the agent finishes it on its own and then exits.
            }
        }
        _agent.Dispose();
    }
}
