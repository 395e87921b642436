using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Postmaster.Spf.Native;

/// <summary>A libspf2 DNS layer (an <see cref="SpfDnsServer"/> in native memory) whose lookups are answered by
/// <see cref="SpfDnsLookup"/> in C#, so SPF uses the same resolvers as the rest of Postmaster (TOOLCHAIN.md §3.8 (c)).
/// One per check: the hook leads the callback to that check's lookup and deadline.</summary>
internal sealed unsafe class SpfDnsLayer : SafeHandle
{
    static readonly nint s_name = Marshal.StringToCoTaskMemUTF8("postmaster-dnsclient");   // lives as long as the process

    GCHandle _lookup;

    public SpfDnsLayer(SpfDnsLookup lookup) : base(0, ownsHandle: true)
    {
        var layer = (SpfDnsServer*)NativeMemory.AllocZeroed((nuint)sizeof(SpfDnsServer));
        _lookup = GCHandle.Alloc(lookup);
        layer->Lookup = (nint)(delegate* unmanaged[Cdecl]<SpfDnsServer*, byte*, int, int, SpfDnsRecord*>)&Lookup;
        layer->Name = s_name;
        layer->Hook = GCHandle.ToIntPtr(_lookup);
        SetHandle((nint)layer);
    }

    public SpfDnsServer* Pointer => (SpfDnsServer*)handle;

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMemory.Free((void*)handle);
        _lookup.Free();
        return true;
    }

    /// <summary>libspf2's lookup callback. It must return a record, never NULL (libspf2 would abort), and no
    /// exception may cross back into C: anything unexpected is a temporary DNS failure.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static SpfDnsRecord* Lookup(SpfDnsServer* layer, byte* domain, int type, int shouldCache)
    {
        try
        {
            var lookup = (SpfDnsLookup)GCHandle.FromIntPtr(layer->Hook).Target!;
            return lookup.Answer(layer, domain, type);
        }
        catch (Exception)
        {
            return LibSpf2.SPF_dns_rr_new_init(layer, domain, type, 0, LibSpf2.TryAgain);
        }
    }
}
