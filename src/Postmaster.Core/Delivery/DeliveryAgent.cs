using Microsoft.Win32.SafeHandles;
using Postmaster.Platform;
using Postmaster.Routing;
using Postmaster.Spool;
using static Postmaster.Delivery.FileCalls;

namespace Postmaster.Delivery;

/// <summary><c>postmaster deliver --agent</c>: the one process that keeps root after the daemon drops it, and
/// uses it only to start <c>postmaster deliver --user NAME</c> for deliveries into users' mailboxes.</summary>
/// <remarks>
/// <para>The daemon starts it before dropping privileges (<see cref="LocalDeliveryProcess.StartAgentIfRoot"/>)
/// and talks to it over its stdin and stdout (<see cref="AgentProtocol"/>). It ends when its stdin closes,
/// after the deliveries under way, so it never outlives the daemon.</para>
/// <para>A daemon that was broken into must not be able to use it for more than delivering queued mail to
/// users, so each request is checked (OpenSMTPD's privileged parent checks its mda requests the same way):
/// the user exists and is not root (uid 0; path targets run as the daemon's own user and never come here);
/// the message is a regular file named queue/&lt;id&gt;.msg in the agent's spool, not a symbolic link, with
/// one link only and owned by the spool's owner; maildir and mbox paths are absolute. The agent opens the
/// message itself and hands it to the child on stdin: the child, running as the user, could not read the
/// spool.</para>
/// </remarks>
public sealed class DeliveryAgent
{
    readonly string _queueDirectory;
    readonly string _executable;
    readonly IUserDatabase _users;
    readonly TextWriter _log;

    public DeliveryAgent(string spoolRoot, string executable, IUserDatabase users, TextWriter log)
    {
        _queueDirectory = Path.Combine(Path.GetFullPath(spoolRoot), "queue");
        _executable = executable;
        _users = users;
        _log = TextWriter.Synchronized(log);     // requests are handled concurrently, and log lines must not tear
    }

    /// <summary>Answers requests from <paramref name="input"/> on <paramref name="output"/> until the input ends,
    /// then waits for the deliveries under way. Returns the process exit code.</summary>
    public async Task<int> RunAsync(TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        var running = new List<Task>();
        var writeGate = new SemaphoreSlim(1, 1);
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
                continue;
            running.RemoveAll(task => task.IsCompleted);
            running.Add(Task.Run(async () =>
            {
                (long id, DeliveryResult result) = await HandleAsync(line, cancellationToken);
                await writeGate.WaitAsync(CancellationToken.None);
                try
                {
                    await output.WriteLineAsync(AgentProtocol.FormatResult(id, result));
                    await output.FlushAsync(CancellationToken.None);
                }
                catch (IOException)
                {
                    // The daemon is gone; nobody to tell.
                }
                finally
                {
                    writeGate.Release();
                }
            }, CancellationToken.None));
        }
        await Task.WhenAll(running);
        return SysExits.Ok;
    }

    internal async Task<(long Id, DeliveryResult Result)> HandleAsync(string line, CancellationToken cancellationToken)
    {
        if (!AgentProtocol.TryParseRequest(line, out long id, out AgentRequest? request, out string? problem))
        {
            await Log($"refused a request: {problem}");
            return (id, DeliveryResult.Deferred("4.3.0", $"delivery agent: bad request: {problem}"));
        }
        try
        {
            if (Check(request) is { } refusal)
            {
                await Log($"refused request {id} for user {request.User}: {refusal.Diagnostic}");
                return (id, refusal);
            }
            (FileStream? message, DeliveryResult? failure) = OpenMessage(request.MessagePath);
            if (message is null)
            {
                await Log($"refused request {id}: {failure!.Diagnostic}");
                return (id, failure!);
            }
            await using (message)
            {
                List<string> arguments = DeliverChild.Arguments(request.Mailer, request.User, request.Envelope, request.TimeLimit);
                return (id, await DeliverChild.RunAsync(_executable, arguments, message, request.TimeLimit + DeliverChild.Margin, cancellationToken));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Log($"request {id} failed: {e.GetType().Name}: {e.Message}");
            return (id, DeliveryResult.Deferred("4.3.0", $"delivery agent: {e.Message}"));
        }
    }

    /// <summary>The checks of the class remarks that need no file system; null when the request may go on.</summary>
    internal DeliveryResult? Check(AgentRequest request)
    {
        SystemUser? user = _users.Find(request.User);
        if (user is null)
            return DeliveryResult.Deferred("4.1.1", $"no such user \"{request.User}\"");
        // Root gets its own mailbox (postmaster@ goes there by default) and nothing else: no command and no
        // file outside root's home, whatever a compromised daemon might ask for.
        if (user.Uid == 0 && !IsUnderHome(request.Mailer, user.Home))
            return DeliveryResult.Deferred("4.3.0", $"will deliver as root only into a mailbox under {user.Home}, not {request.Mailer}: route {user.Name} to another user");
        if (request.Mailer is Target.Maildir { Path: var maildir } && !Path.IsPathFullyQualified(maildir)
            || request.Mailer is Target.Mbox { Path: var mbox } && !Path.IsPathFullyQualified(mbox))
            return DeliveryResult.Deferred("4.3.5", $"{request.Mailer}: the path must be absolute");
        if (!IsQueueFile(request.MessagePath))
            return DeliveryResult.Deferred("4.3.0", $"{request.MessagePath} is not a message in {_queueDirectory}");
        return null;
    }

    static bool IsUnderHome(Target mailer, string home)
    {
        string? path = mailer switch { Target.Maildir m => m.Path, Target.Mbox m => m.Path, _ => null };
        string root = home.TrimEnd('/') + "/";
        return path is not null && root.Length > 1 && Path.IsPathFullyQualified(path) && Path.GetFullPath(path).StartsWith(root, StringComparison.Ordinal);
    }

    bool IsQueueFile(string path) =>
        Path.IsPathFullyQualified(path)
        && Path.GetFullPath(path) == path
        && Path.GetDirectoryName(path) == _queueDirectory
        && Path.GetFileName(path) is { Length: QueueId.Length + 4 } name
        && name.EndsWith(".msg", StringComparison.Ordinal)
        && QueueId.TryParse(name[..QueueId.Length], out _);

    /// <summary>Opens the message without following a symbolic link and checks it is what the spool would have
    /// made: a regular file with one link, owned by whoever owns queue/.</summary>
    (FileStream? Stream, DeliveryResult? Failure) OpenMessage(string path)
    {
        int directory = Open(_queueDirectory, O_RDONLY | O_DIRECTORY);
        if (directory < 0)
            return (null, MailboxFailure.Deferred($"cannot open {_queueDirectory}", -directory));
        int statErrno = Fstat(directory, out FileStatus queue);
        Close(directory);
        if (statErrno != 0)
            return (null, MailboxFailure.Deferred($"fstat {_queueDirectory}", statErrno));

        int fd = Open(path, O_RDONLY | O_NOFOLLOW);
        if (fd < 0)
            return (null, DeliveryResult.Deferred("4.3.0", $"cannot open {path}: {Describe(-fd)}"));
        int errno = Fstat(fd, out FileStatus file);
        string? problem = errno != 0 ? $"fstat: {Describe(errno)}"
            : !file.IsRegularFile ? "not a regular file"
            : file.Links != 1 ? $"{file.Links} links"
            : file.Uid != queue.Uid ? $"owned by uid {file.Uid}, not by the spool's owner (uid {queue.Uid})"
            : null;
        if (problem is not null)
        {
            Close(fd);
            return (null, DeliveryResult.Deferred("4.3.0", $"{path}: {problem}"));
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        return (new FileStream(handle, FileAccess.Read, bufferSize: 64 * 1024), null);
    }

    async Task Log(string text)
    {
        try
        {
            await _log.WriteLineAsync($"postmaster: deliver --agent: {DiagnosticText.OneLine(text)}");
            await _log.FlushAsync();
        }
        catch (IOException)
        {
        }
    }
}
