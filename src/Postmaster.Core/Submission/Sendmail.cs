using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Postmaster.Config;
using Postmaster.Platform;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;

namespace Postmaster.Submission;

/// <summary><c>postmaster sendmail</c>: reads a message from standard input and queues it, through the
/// daemon's Unix socket (<see cref="SpoolDirectory.SubmissionSocket"/>) when the daemon runs, else, for root
/// and the spool's owner, straight into the spool.</summary>
/// <remarks>The socket is how every local user submits: it is mode 0666 in a spool root that others may
/// traverse but not read, the daemon treats a connection on it as trusted (it may relay), and it applies the
/// same routing and limits as to any SMTP client. Nobody needs to write the spool, so there is no setgid
/// helper as Postfix's postdrop is.</remarks>
public static class Sendmail
{
    public static async Task<SubmissionResult> RunAsync(SendmailOptions options, Settings settings, RouteResolver resolver,
        Stream input, Submitter submitter, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        (PreparedMessage? message, SubmissionResult? failure) = await MessagePreparer.PrepareAsync(input, options, submitter,
            settings.Hostname, time, settings.MaxMessageSize, Environment.GetEnvironmentVariable("NAME"), cancellationToken);
        if (message is null)
            return failure!;
        using (message)
        {
            var spool = new SpoolDirectory(settings.Spool, time, loggers.CreateLogger<SpoolDirectory>());
            SubmissionClient client;
            try
            {
                client = await SubmissionClient.ConnectAsync(spool.SubmissionSocket, cancellationToken);
            }
            catch (SocketException e)
            {
                return await WithoutDaemonAsync(spool, resolver, message, submitter, settings.Hostname, time, loggers,
                    e.SocketErrorCode == SocketError.AccessDenied ? $"cannot connect to {spool.SubmissionSocket}: {e.Message}" : null,
                    cancellationToken);
            }

            await using (client)
            {
                try
                {
                    // A daemon that is shutting down or full (421) takes no mail: as good as none for this message.
                    Reply greeting = await client.ReadGreetingAsync(cancellationToken);
                    if (greeting.Code != 220)
                        return await WithoutDaemonAsync(spool, resolver, message, submitter, settings.Hostname, time, loggers,
                            $"the daemon is not taking mail: {greeting}", cancellationToken);
                    return await SocketSubmission.SendAsync(client, message, settings.Hostname, cancellationToken);
                }
                catch (IOException e)
                {
                    return SubmissionResult.Failed(SubmissionOutcome.TemporaryFailure, $"lost the connection to the daemon: {e.Message}");
                }
            }
        }
    }

    /// <summary>No daemon (or one refusing mail): root and the spool's owner commit the message themselves;
    /// anyone else must wait for it.</summary>
    static async Task<SubmissionResult> WithoutDaemonAsync(SpoolDirectory spool, RouteResolver resolver, PreparedMessage message,
        Submitter submitter, string hostname, TimeProvider time, ILoggerFactory loggers, string? connectProblem,
        CancellationToken cancellationToken)
    {
        string notRunning = connectProblem ?? $"the daemon is not running ({spool.SubmissionSocket})";
        try
        {
            if (!SpoolOwner.TryBecomeOwner(spool.Root, out _))
                return SubmissionResult.Failed(SubmissionOutcome.TemporaryFailure, notRunning);
        }
        catch (PrivilegeException e)
        {
            return SubmissionResult.Failed(SubmissionOutcome.TemporaryFailure, notRunning, e.Message);
        }
        return await SpoolDrop.CommitAsync(spool, resolver, message, submitter, hostname, time,
            loggers.CreateLogger("sendmail"), cancellationToken);
    }
}
