using System.Runtime.InteropServices;

namespace Postmaster.Platform;

/// <summary>The system's passwd database through getpwnam(3), so NSS sources (LDAP, systemd) count too.</summary>
public sealed partial class PasswdDatabase : IUserDatabase
{
    public static PasswdDatabase Instance { get; } = new();

    public SystemUser? Find(string name)
    {
        // getpwnam is not thread-safe; its static buffer is shared. Lookups are rare (RCPT, deliveries).
        if (name.Length == 0 || name.Contains('\0') || name.Contains('/'))
            return null;
        lock (this)
        {
            unsafe
            {
                Passwd* entry = GetPwNam(name);
                if (entry is null)
                    return null;
                return new SystemUser(
                    Marshal.PtrToStringUTF8(entry->Name) ?? name, entry->Uid, entry->Gid,
                    Marshal.PtrToStringUTF8(entry->Dir) ?? "/", Marshal.PtrToStringUTF8(entry->Shell) ?? "");
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct Passwd
    {
        public IntPtr Name, Password;
        public uint Uid, Gid;
        public IntPtr Gecos, Dir, Shell;
    }

    // Tmds.LibC has no getpwnam (TOOLCHAIN.md gotcha 5); "libc.so.6", not "libc", avoids probing the linker script.
    [LibraryImport("libc.so.6", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial Passwd* GetPwNam(string name);
}
