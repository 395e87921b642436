using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Postmaster.Platform;

/// <summary>Who is at the other end of a Unix socket (SO_PEERCRED, socket(7)): the kernel's word, not the client's.</summary>
public static partial class PeerCredentials
{
    const int SOL_SOCKET = 1, SO_PEERCRED = 17;

    /// <summary>The peer's user id, or null when the kernel does not say (not a Unix socket).</summary>
    public static unsafe uint? UidOf(Socket socket)
    {
        if (socket.AddressFamily != AddressFamily.Unix)
            return null;
        Ucred credentials;
        int length = sizeof(Ucred);
        return GetSockOpt((int)socket.Handle, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 ? credentials.Uid : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct Ucred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    [LibraryImport("libc.so.6", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, int* length);
}
