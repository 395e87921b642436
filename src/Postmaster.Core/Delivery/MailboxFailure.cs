using static Postmaster.Delivery.FileCalls;

namespace Postmaster.Delivery;

/// <summary>Turns a failed system call on a mailbox into a deferral with the right RFC 3463 status. A mailbox
/// we cannot write is our side's trouble (a full disk, a quota, a permission an administrator can fix), so it
/// is never a bounce (issue 4, "Bad input"; Postfix defers these too).</summary>
internal static class MailboxFailure
{
    /// <summary>Deferred: <c>&lt;what&gt;: &lt;strerror&gt;</c> with 4.3.1 for a full disk, 4.2.2 for a quota
    /// or a file too large, 4.2.0 for a mailbox we may not or cannot use, 4.3.0 otherwise.</summary>
    public static DeliveryResult Deferred(string what, int errno)
    {
        string status = errno switch
        {
            ENOSPC => "4.3.1",                                                    // X.3.1 mail system full
            EDQUOT or EFBIG => "4.2.2",                                           // X.2.2 mailbox full
            EACCES or EPERM or EROFS or ENOENT or ENOTDIR or EISDIR or ELOOP or ENAMETOOLONG or EMLINK => "4.2.0",
            _ => "4.3.0",
        };
        return DeliveryResult.Deferred(status, $"{what}: {Describe(errno)}");
    }
}
