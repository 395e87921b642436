using System.Runtime.InteropServices;

namespace Postmaster.Spf.Native;

/// <summary><c>struct SPF_dns_server_struct</c> of spf_dns.h: a DNS layer, here one whose lookup is C#.</summary>
/// <remarks>A NULL <see cref="Destroy"/> tells libspf2 that someone else frees the layer (SPF_dns_free does
/// nothing), which is what <see cref="SpfDnsLayer"/> does.</remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct SpfDnsServer
{
    public nint Destroy;
    public nint Lookup;
    public nint GetSpf;
    public nint GetExp;
    public nint AddCache;
    public nint LayerBelow;
    public nint Name;
    public int Debug;
    /// <summary>Layer-specific data: a GCHandle to the managed lookup of one check.</summary>
    public nint Hook;
}
