using System.Runtime.InteropServices;

namespace Postmaster.Policy.Dso;

/// <summary><c>struct postmaster_policy_facts</c> of packaging/include/postmaster_policy.h, field for field.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeFacts
{
    public uint StructSize;
    public uint Stage;
    public byte* SessionId;
    public byte* ClientAddress;
    public byte* ClientName;
    public byte* Helo;
    public byte* Protocol;
    public byte* Tls;
    public byte* Sender;
    public byte* Recipient;
    public byte* QueueId;
    public long MessageSize;
    public uint RecipientCount;
    public uint Flags;
}
