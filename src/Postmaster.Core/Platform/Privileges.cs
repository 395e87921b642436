using System.Runtime.InteropServices;

namespace Postmaster.Platform;

/// <summary>Giving up root after the listeners are bound: one-way, checked, and for the whole process.</summary>
public static class Privileges
{
    public static bool IsRoot => Libc.GetEUid() == 0;

    /// <summary>Switches every thread to <paramref name="user"/>'s uid and gid with no supplementary groups, then
    /// checks that it worked and that root cannot be regained. Throws <see cref="PrivilegeException"/> otherwise.</summary>
    public static void DropTo(SystemUser user) => DropTo(user, LibcCredentialCalls.Instance);

    /// <summary>Changes the owner of <paramref name="path"/> itself; a symbolic link is changed, never its target.</summary>
    public static void Chown(string path, uint uid, uint gid)
    {
        if (Libc.Chown(path, uid, gid) != 0)
            throw new PrivilegeException($"chown({path}, {uid}, {gid}) failed: {Libc.Describe(Marshal.GetLastPInvokeError())}");
    }

    internal static void DropTo(SystemUser user, ICredentialCalls calls)
    {
        if (user.Uid == 0)
            throw new PrivilegeException($"refusing to run as root: user {user.Name} has uid 0");

        // Groups first: once the uid is gone, setgroups and setgid are no longer permitted.
        Check(calls.SetGroups(user.Gid), $"setgroups([{user.Gid}])");
        Check(calls.SetGid(user.Gid), $"setgid({user.Gid})");
        Check(calls.SetUid(user.Uid), $"setuid({user.Uid})");

        (uint uid, uint euid, uint gid, uint egid) = calls.Current();
        if (uid != user.Uid || euid != user.Uid || gid != user.Gid || egid != user.Gid)
            throw new PrivilegeException($"dropping to {user.Name} did not take: uid={uid} euid={euid} gid={gid} egid={egid}, " +
                $"expected uid={user.Uid} gid={user.Gid}");
        // setuid(0) must now fail (EPERM); if it works, a saved set-user-ID of 0 survived the drop.
        if (calls.SetUid(0) == 0)
            throw new PrivilegeException($"setuid(0) still succeeds after dropping to {user.Name}; refusing to continue");
    }

    static void Check(int errno, string call)
    {
        if (errno != 0)
            throw new PrivilegeException($"{call} failed: {Libc.Describe(errno)}");
    }

    /// <summary>The credential calls <see cref="DropTo(SystemUser)"/> makes, so a test can script failures
    /// without being root and without losing root. Each Set call returns 0 or the errno.</summary>
    internal interface ICredentialCalls
    {
        int SetGroups(uint gid);
        int SetGid(uint gid);
        int SetUid(uint uid);
        (uint Uid, uint EUid, uint Gid, uint EGid) Current();
    }

    sealed unsafe class LibcCredentialCalls : ICredentialCalls
    {
        public static readonly LibcCredentialCalls Instance = new();

        public int SetGroups(uint gid) => Errno(Libc.SetGroups(1, &gid));
        public int SetGid(uint gid) => Errno(Libc.SetGid(gid));
        public int SetUid(uint uid) => Errno(Libc.SetUid(uid));
        public (uint Uid, uint EUid, uint Gid, uint EGid) Current() => (Libc.GetUid(), Libc.GetEUid(), Libc.GetGid(), Libc.GetEGid());

        static int Errno(int result) => result == 0 ? 0 : Math.Max(1, Marshal.GetLastPInvokeError());
    }
}
