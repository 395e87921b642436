using System.Runtime.InteropServices;
using Postmaster.Platform;

namespace Postmaster.Submission;

/// <summary>Who may write the spool directly: its owner (the daemon's <c>user</c>), and root, who first becomes
/// that owner so that every file it leaves there stays readable by the daemon.</summary>
/// <remarks>Used by the spool commands and by <c>sendmail</c> when the daemon is not running. Files written by
/// root would be mode 0600 root and unreadable to the daemon after it dropped its privileges.</remarks>
public static partial class SpoolOwner
{
    /// <summary>Makes this process able to write <paramref name="spoolRoot"/>'s queue as its owner: nothing to
    /// do for the owner, a privilege drop for root.</summary>
    /// <returns>false with the reason when the spool is not there or belongs to someone else.</returns>
    /// <exception cref="PrivilegeException">root could not become the owner.</exception>
    public static bool TryBecomeOwner(string spoolRoot, out string? problem)
    {
        string queue = Path.Combine(spoolRoot, "queue");
        if (!TryGetOwner(queue, out uint uid, out uint gid, out problem))
            return false;
        uint effective = GetEUid();
        if (effective == uid)
            return true;
        if (effective != 0)
        {
            problem = $"{queue} belongs to uid {uid}, not to uid {effective}: run this as root or as that user";
            return false;
        }
        if (uid != 0)
            Privileges.DropTo(new SystemUser(PasswdName(uid), uid, gid, "/", ""));
        return true;
    }

    /// <summary>The owner of <paramref name="path"/> (statx(2); its layout is the same on every architecture).</summary>
    public static bool TryGetOwner(string path, out uint uid, out uint gid, out string? problem)
    {
        const int AT_FDCWD = -100;
        const uint STATX_UID = 0x8, STATX_GID = 0x10;
        uid = gid = 0;
        problem = null;
        Span<byte> buffer = stackalloc byte[256];
        int result;
        unsafe
        {
            fixed (byte* statx = buffer)
                result = StatX(AT_FDCWD, path, 0, STATX_UID | STATX_GID, statx);
        }
        if (result != 0)
        {
            problem = $"{path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
            return false;
        }
        // struct statx: u32 stx_mask, u32 stx_blksize, u64 stx_attributes, u32 stx_nlink, u32 stx_uid, u32 stx_gid ...
        uid = BitConverter.ToUInt32(buffer[20..24]);
        gid = BitConverter.ToUInt32(buffer[24..28]);
        return true;
    }

    static string PasswdName(uint uid) => $"uid {uid}";

    [LibraryImport("libc.so.6", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatX(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc.so.6", EntryPoint = "geteuid")]
    private static partial uint GetEUid();
}
