using System.ComponentModel;
using System.Diagnostics;
using Postmaster.Platform;

namespace Postmaster.Delivery;

/// <summary>The <c>pipe(command)</c> mailer: runs the command through <c>/bin/sh -c</c> with the message on
/// stdin and the envelope in the environment, and turns its exit status into an outcome (DESIGN.md §2).</summary>
/// <remarks>
/// <para>The command text is the administrator's; nothing from the envelope is ever put into it. SENDER,
/// RECIPIENT, USER, EXTENSION, DOMAIN, ORIGINAL_RECIPIENT, QUEUE_ID and CLIENT_ADDRESS are environment
/// variables, which a shell expands as data and never parses again (an address holding <c>$(...)</c> or
/// <c>;</c> stays text). The environment holds nothing else but PATH=/usr/bin:/bin, TZ if we have one, and
/// for a system user HOME, LOGNAME and SHELL (Postfix's local(8) gives commands the same set).</para>
/// <para>stdin: the queued bytes with CRLF turned into LF, as Postfix's local(8) and pipe(8) hand messages to
/// local commands (procmail, maildrop and sieve tools expect Unix line ends); nothing is added or removed.
/// A command that exits without reading everything is judged by its exit status only.</para>
/// <para>Exit status (sysexits.h, as Postfix's pipe(8)): 0 delivered; 75 EX_TEMPFAIL and death by a signal
/// (an exit status above 128, which is also how the shell reports a command killed by a signal) deferred;
/// any other status failed, with the RFC 3463 code Postfix uses for the sysexits value (5.3.0 otherwise).
/// The diagnostic is the command's stderr (its stdout when stderr is empty), at most 500 bytes, one line.</para>
/// <para>Time limit: when it passes, the whole process group gets SIGKILL and the delivery is deferred. The
/// command is started through setsid(1) so that it leads a process group of its own: the shell and
/// everything it started can be killed together without touching us.</para>
/// </remarks>
public sealed class PipeMailer : ILocalMailer
{
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromMinutes(10);

    /// <summary>How long to keep reading output after the shell exited, when a background child still holds
    /// the pipes open.</summary>
    static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    public PipeMailer(string command, SystemUser? user = null, TimeSpan? timeLimit = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        Command = command;
        User = user;
        TimeLimit = timeLimit ?? DefaultTimeLimit;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TimeLimit, TimeSpan.Zero, nameof(timeLimit));
    }

    public string Command { get; }

    /// <summary>The system user the delivery is for (the process already runs as that user); gives USER,
    /// HOME, LOGNAME, SHELL and the working directory.</summary>
    public SystemUser? User { get; }

    public TimeSpan TimeLimit { get; }

    public async Task<DeliveryResult> DeliverAsync(Stream message, DeliveryEnvelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        ProcessStartInfo start = StartInfo(envelope);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process started");
        }
        catch (Win32Exception e)
        {
            return DeliveryResult.Deferred("4.3.0", $"cannot run /bin/sh: {e.Message}");
        }

        using (process)
        {
            var stderr = new BoundedOutput(process.StandardError.BaseStream);
            var stdout = new BoundedOutput(process.StandardOutput.BaseStream);
            Task feeding = FeedAsync(message, process.StandardInput.BaseStream);

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeLimit);
            bool timedOut = false;
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                KillGroup(process);
                await process.WaitForExitAsync(CancellationToken.None);
                timedOut = !cancellationToken.IsCancellationRequested;
            }
            await Task.WhenAny(Task.WhenAll(stdout.Completion, stderr.Completion, feeding), Task.Delay(DrainGrace, CancellationToken.None));
            cancellationToken.ThrowIfCancellationRequested();

            string output = stderr.Text.Length > 0 ? stderr.Text : stdout.Text;
            if (timedOut)
                return DeliveryResult.Deferred("4.3.0", Join($"command timed out after {DiagnosticText.Duration(TimeLimit)}", output));
            return Classify(process.ExitCode, output);
        }
    }

    ProcessStartInfo StartInfo(DeliveryEnvelope envelope)
    {
        var start = new ProcessStartInfo(Setsid ?? "/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Setsid is not null)
        {
            // No fork unless we are a group leader; -w waits in that case, so the exit status is the shell's.
            start.ArgumentList.Add("-w");
            start.ArgumentList.Add("/bin/sh");
        }
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Command);
        start.Environment.Clear();
        foreach ((string name, string value) in Environment(envelope, User))
            start.Environment[name] = value;
        if (User is not null && Directory.Exists(User.Home))
            start.WorkingDirectory = User.Home;
        return start;
    }

    /// <summary>The command's whole environment.</summary>
    internal static SortedDictionary<string, string> Environment(DeliveryEnvelope envelope, SystemUser? user)
    {
        var variables = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/bin:/bin",
            ["SENDER"] = envelope.Sender ?? "",
            ["RECIPIENT"] = envelope.Recipient ?? "",
            ["ORIGINAL_RECIPIENT"] = envelope.OriginalRecipient ?? envelope.Recipient ?? "",
            ["USER"] = user?.Name ?? envelope.LocalPartWithoutExtension,
            ["EXTENSION"] = envelope.Extension ?? "",
            ["DOMAIN"] = envelope.Domain,
            ["QUEUE_ID"] = envelope.QueueId ?? "",
            ["CLIENT_ADDRESS"] = envelope.ClientAddress ?? "",
        };
        if (user is not null)
        {
            variables["HOME"] = user.Home;
            variables["LOGNAME"] = user.Name;
            variables["SHELL"] = user.Shell.Length > 0 ? user.Shell : "/bin/sh";
        }
        if (System.Environment.GetEnvironmentVariable("TZ") is { Length: > 0 } tz)
            variables["TZ"] = tz;
        foreach ((string name, string value) in variables)
        {
            if (value.Contains('\0'))
                variables[name] = value.Replace('\0', ' ');
        }
        return variables;
    }

    /// <summary>Exit status and output → outcome (class remarks).</summary>
    internal static DeliveryResult Classify(int exitCode, string output)
    {
        if (exitCode == 0)
            return DeliveryResult.Delivered("delivered to command");
        if (exitCode == 75)
            return DeliveryResult.Deferred("4.3.0", Join("command deferred (exit status 75)", output));
        if (exitCode > 128 && exitCode <= 128 + 64)
            return DeliveryResult.Deferred("4.3.0", Join($"command killed by signal {exitCode - 128}", output));
        string status = exitCode switch
        {
            65 => "5.6.0",      // EX_DATAERR
            67 => "5.1.1",      // EX_NOUSER
            68 => "5.1.2",      // EX_NOHOST
            73 => "5.2.0",      // EX_CANTCREAT
            76 => "5.5.0",      // EX_PROTOCOL
            77 => "5.7.0",      // EX_NOPERM
            78 => "5.3.5",      // EX_CONFIG
            _ => "5.3.0",
        };
        return DeliveryResult.Failed(status, Join($"command exited with status {exitCode}", output));
    }

    static string Join(string what, string output) => output.Length > 0 ? $"{what}: {output}" : what;

    static async Task FeedAsync(Stream message, Stream stdin)
    {
        var encoder = new LocalLineEncoder(quoteFromLines: false);
        byte[] buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await message.ReadAsync(buffer)) > 0)
                await stdin.WriteAsync(encoder.Encode(buffer.AsSpan(0, read)).ToArray());
            await stdin.WriteAsync(encoder.Finish().ToArray());
        }
        catch (IOException)
        {
            // EPIPE: the command stopped reading. Its exit status decides (Postfix's pipe does the same).
        }
        finally
        {
            try { stdin.Dispose(); }
            catch (IOException) { }
        }
    }

    static void KillGroup(Process process)
    {
        // setsid made the shell a group leader: its pid is the group's id.
        if (Setsid is not null)
            FileCalls.Kill(-process.Id, FileCalls.SIGKILL);
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // already gone
        }
    }

    /// <summary>Reads a program's output to the end so it can never block on a full pipe, keeping the first
    /// <see cref="DiagnosticText.MaxOutputBytes"/> bytes.</summary>
    sealed class BoundedOutput
    {
        readonly byte[] _kept = new byte[DiagnosticText.MaxOutputBytes];
        int _length;

        public BoundedOutput(Stream stream) => Completion = Task.Run(() => DrainAsync(stream));

        public Task Completion { get; }

        public string Text => DiagnosticText.FromOutput(_kept.AsSpan(0, Volatile.Read(ref _length)));

        async Task DrainAsync(Stream stream)
        {
            byte[] buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0)
                {
                    int keep = Math.Min(read, _kept.Length - _length);
                    if (keep > 0)
                    {
                        buffer.AsSpan(0, keep).CopyTo(_kept.AsSpan(_length));
                        Volatile.Write(ref _length, _length + keep);
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
            }
        }
    }
}
