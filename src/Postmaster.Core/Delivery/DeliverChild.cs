using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Postmaster.Routing;

namespace Postmaster.Delivery;

/// <summary>Runs <c>postmaster deliver</c> as a child process for one delivery and reads its outcome back from
/// the exit code and the stderr line (<see cref="LocalDeliveryReport.ErrorLine"/>).</summary>
/// <remarks>A child rather than a call: a hung or crashing command cannot hurt the daemon, and the child can
/// become another user (TOOLCHAIN.md gotcha 6: never fork from .NET, re-execute the binary). Every option is
/// passed as one <c>--name=value</c> word, so a value starting with '-' or '@' can never be read as an option
/// or a response file.</remarks>
internal static class DeliverChild
{
    /// <summary>What the child gets beyond the pipe's own time limit (start-up, locks, fsync) before it is killed.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);

    public static List<string> Arguments(Target mailer, string? user, DeliveryEnvelope envelope, TimeSpan timeLimit)
    {
        var arguments = new List<string> { "deliver" };
        arguments.Add(mailer switch
        {
            Target.Maildir maildir => "--maildir=" + maildir.Path,
            Target.Mbox mbox => "--mbox=" + mbox.Path,
            Target.Pipe pipe => "--pipe=" + pipe.Command,
            _ => throw new ArgumentException($"{mailer} is not a local mailer", nameof(mailer)),
        });
        if (user is not null)
            arguments.Add("--user=" + user);
        if (envelope.Sender is { } sender)
            arguments.Add($"--sender=<{sender}>");
        Add(arguments, "--recipient", envelope.Recipient);
        Add(arguments, "--original-recipient", envelope.OriginalRecipient);
        Add(arguments, "--extension", envelope.Extension);
        Add(arguments, "--queue-id", envelope.QueueId);
        Add(arguments, "--client-address", envelope.ClientAddress);
        arguments.Add("--time-limit=" + timeLimit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture));
        return arguments;
    }

    static void Add(List<string> arguments, string option, string? value)
    {
        if (value is not null)
            arguments.Add($"{option}={value.Replace('\0', ' ')}");
    }

    /// <summary>Starts <paramref name="executable"/> with <paramref name="arguments"/>, writes
    /// <paramref name="message"/> to its stdin unchanged, waits at most <paramref name="limit"/>.</summary>
    public static async Task<DeliveryResult> RunAsync(string executable, IReadOnlyList<string> arguments, Stream message,
        TimeSpan limit, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process started");
        }
        catch (Win32Exception e)
        {
            return DeliveryResult.Deferred("4.3.0", $"cannot run {executable}: {e.Message}");
        }
        using (process)
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            Task stdout = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
            Task feeding = FeedAsync(message, process.StandardInput.BaseStream);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(limit);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                await process.WaitForExitAsync(CancellationToken.None);
                cancellationToken.ThrowIfCancellationRequested();
                return DeliveryResult.Deferred("4.3.0", $"delivery process timed out after {DiagnosticText.Duration(limit)}");
            }
            await Task.WhenAny(Task.WhenAll(stderr, stdout, feeding), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            string errors = stderr.IsCompletedSuccessfully ? stderr.Result : "";
            return Interpret(process.ExitCode, errors);
        }
    }

    /// <summary>Exit code and stderr → outcome. Only 69 and 65 (the command or the data said no) bounce;
    /// anything else that is not 0 is our side's trouble or unknown, and defers (never bounce on our own
    /// fault): 75, 67 (the user vanished since routing), 64/70/77 (a bug or a privilege problem), a crash.</summary>
    internal static DeliveryResult Interpret(int exitCode, string stderr)
    {
        bool parsed = LocalDelivery.TryParseErrorLine(stderr, out string status, out string diagnostic);
        if (!parsed)
            diagnostic = DiagnosticText.FromOutput(System.Text.Encoding.UTF8.GetBytes(stderr));
        switch (exitCode)
        {
            case SysExits.Ok:
                return DeliveryResult.Delivered();
            case SysExits.Unavailable or SysExits.DataError:
                return DeliveryResult.Failed(parsed && status[0] == '5' ? status : exitCode == SysExits.DataError ? "5.6.0" : "5.3.0",
                    diagnostic.Length > 0 ? diagnostic : $"deliver exited with status {exitCode}");
            default:
                string text = diagnostic.Length > 0 ? diagnostic : $"deliver exited with status {exitCode}";
                if (exitCode > 128 && !parsed)
                    text = $"deliver killed by signal {exitCode - 128}" + (diagnostic.Length > 0 ? ": " + diagnostic : "");
                return DeliveryResult.Deferred(parsed && status[0] == '4' ? status : "4.3.0", text);
        }
    }

    static async Task FeedAsync(Stream message, Stream stdin)
    {
        try
        {
            await message.CopyToAsync(stdin);
        }
        catch (IOException)
        {
            // The child stopped reading (it failed early); its exit code tells why.
        }
        finally
        {
            try { stdin.Dispose(); }
            catch (IOException) { }
        }
    }

    static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
        }
    }
}
