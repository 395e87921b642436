using System.Text.RegularExpressions;
using Postmaster.Platform;
using Postmaster.Routing;

namespace Postmaster.Delivery;

/// <summary>One local delivery as <c>postmaster deliver</c> makes it: which mailer, for whom, with what envelope.</summary>
/// <param name="Mailer">A <see cref="Target.Maildir"/>, <see cref="Target.Mbox"/> or <see cref="Target.Pipe"/>.</param>
/// <param name="User">The system user to deliver as (and for whom <c>~</c> and <c>$USER</c> are expanded);
/// null: as whoever runs us.</param>
public sealed record LocalDeliveryRequest(Target Mailer, DeliveryEnvelope Envelope, string? User = null)
{
    /// <summary>The pipe mailer's time limit.</summary>
    public TimeSpan TimeLimit { get; init; } = PipeMailer.DefaultTimeLimit;
}

/// <summary>How a <c>postmaster deliver</c> run ended: the process exit code and the outcome behind it.</summary>
public sealed record LocalDeliveryReport(int ExitCode, DeliveryResult Result)
{
    /// <summary>The one stderr line for anything but a delivery: <c>postmaster: deliver: 4.2.2 text</c>.
    /// <see cref="DeliverChild"/> reads the status and text back from it.</summary>
    public string? ErrorLine => Result.Outcome == DeliveryOutcome.Delivered ? null : LocalDelivery.FormatErrorLine(Result);
}

/// <summary>The <c>deliver</c> role: become the user, pick the mailer, deliver stdin, map the outcome to sysexits
/// (0 delivered, 75 deferred, 69 failed; 64 usage, 67 no such user, 77 --user without root, 70 a privilege
/// switch that did not take).</summary>
public static partial class LocalDelivery
{
    const string ErrorPrefix = "postmaster: deliver: ";

    public static Task<LocalDeliveryReport> RunAsync(LocalDeliveryRequest request, Stream message, CancellationToken cancellationToken) =>
        RunAsync(request, message, PasswdDatabase.Instance, Privileges.DropTo, cancellationToken);

    internal static async Task<LocalDeliveryReport> RunAsync(LocalDeliveryRequest request, Stream message, IUserDatabase users,
        Action<SystemUser> dropTo, CancellationToken cancellationToken)
    {
        if (request.Mailer is not (Target.Maildir or Target.Mbox or Target.Pipe))
            return Report(SysExits.Usage, DeliveryResult.Deferred("4.3.5", $"{request.Mailer} is not a local mailer"));

        SystemUser? user = null;
        if (request.User is { } name)
        {
            user = users.Find(name);
            if (user is null)
                return Report(SysExits.NoUser, DeliveryResult.Deferred("4.1.1", $"no such user \"{name}\""));
            uint euid = Libc.GetEUid();
            if (euid == 0 && user.Uid != 0)
            {
                try
                {
                    dropTo(user);
                }
                catch (PrivilegeException e)
                {
                    return Report(SysExits.Software, DeliveryResult.Deferred("4.3.0", e.Message));
                }
            }
            else if (euid != 0 && user.Uid != euid)
                return Report(SysExits.NoPermission, DeliveryResult.Deferred("4.3.0", $"only root may deliver as another user (--user {name})"));
        }

        // ~ and $USER for the user we deliver as: the named one, else whoever runs us.
        SystemUser? expandFor = user ?? users.Find(Environment.UserName);
        Target mailer = expandFor is null ? request.Mailer : LocalMailerExpansion.Expand(request.Mailer, expandFor.Name, expandFor.Home);
        ILocalMailer writer = mailer switch
        {
            Target.Maildir maildir => new MaildirWriter(maildir.Path),
            Target.Mbox mbox => new MboxWriter(mbox.Path),
            Target.Pipe pipe => new PipeMailer(pipe.Command, user, request.TimeLimit),
            _ => throw new InvalidOperationException("checked above"),
        };
        DeliveryResult result = await writer.DeliverAsync(message, request.Envelope, cancellationToken);
        return Report(ExitCodeFor(result), result);
    }

    /// <summary>0 delivered, 75 deferred, 69 failed.</summary>
    public static int ExitCodeFor(DeliveryResult result) => result.Outcome switch
    {
        DeliveryOutcome.Delivered => SysExits.Ok,
        DeliveryOutcome.Deferred => SysExits.TempFail,
        _ => SysExits.Unavailable,
    };

    /// <summary>A sender given as <c>&lt;a@b&gt;</c> or <c>&lt;&gt;</c> (sendmail's -f style) without the brackets.</summary>
    public static string? UnbracketSender(string? sender) =>
        sender is { Length: >= 2 } s && s[0] == '<' && s[^1] == '>' ? s[1..^1] : sender;

    internal static string FormatErrorLine(DeliveryResult result) => $"{ErrorPrefix}{result.Status} {result.Diagnostic}";

    /// <summary>The status and text of the last error line in a <c>deliver</c> process's stderr.</summary>
    internal static bool TryParseErrorLine(string stderr, out string status, out string diagnostic)
    {
        status = diagnostic = "";
        foreach (string line in stderr.Split('\n').Reverse())
        {
            Match match = ErrorLinePattern().Match(line.TrimEnd('\r'));
            if (match.Success)
            {
                status = match.Groups[1].Value;
                diagnostic = match.Groups[2].Value;
                return true;
            }
        }
        return false;
    }

    [GeneratedRegex(@"^postmaster: deliver: ([245]\.[0-9]{1,3}\.[0-9]{1,3}) (.*)$")]
    private static partial Regex ErrorLinePattern();

    static LocalDeliveryReport Report(int exitCode, DeliveryResult result) => new(exitCode, result);
}
