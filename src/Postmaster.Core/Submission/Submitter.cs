using System.Runtime.InteropServices;

namespace Postmaster.Submission;

/// <summary>The local user who runs <c>sendmail</c>: the default sender, the From: name, and the uid in the
/// Received: field of a message written straight into the spool.</summary>
/// <param name="FullName">From the passwd GECOS field; null when it is empty.</param>
public sealed partial record Submitter(string UserName, uint Uid, string? FullName)
{
    /// <summary>The real uid's passwd entry (getpwuid(3)); a user without one is called by the number.</summary>
    public static Submitter Current()
    {
        uint uid = GetUid();
        unsafe
        {
            Passwd* entry = GetPwUid(uid);
            if (entry is null)
                return new Submitter($"uid{uid}", uid, null);
            string name = Marshal.PtrToStringUTF8(entry->Name) ?? $"uid{uid}";
            return new Submitter(name, uid, FullNameFromGecos(Marshal.PtrToStringUTF8(entry->Gecos), name));
        }
    }

    /// <summary>The GECOS field's first comma-separated part, '&amp;' standing for the capitalised login name
    /// (the BSD convention finger(1) follows).</summary>
    public static string? FullNameFromGecos(string? gecos, string userName)
    {
        if (string.IsNullOrWhiteSpace(gecos))
            return null;
        int comma = gecos.IndexOf(',');
        string name = (comma >= 0 ? gecos[..comma] : gecos).Trim();
        if (name.Contains('&') && userName.Length > 0)
            name = name.Replace("&", char.ToUpperInvariant(userName[0]) + userName[1..]);
        return name.Length == 0 ? null : name;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct Passwd
    {
        public IntPtr Name, Password;
        public uint Uid, Gid;
        public IntPtr Gecos, Dir, Shell;
    }

    // sendmail is one short-lived thread of lookups: getpwuid's static buffer is safe enough here.
    [LibraryImport("libc.so.6", EntryPoint = "getpwuid")]
    private static unsafe partial Passwd* GetPwUid(uint uid);

    [LibraryImport("libc.so.6", EntryPoint = "getuid")]
    private static partial uint GetUid();
}
