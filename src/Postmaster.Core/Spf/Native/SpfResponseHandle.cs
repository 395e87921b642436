using System.Runtime.InteropServices;

namespace Postmaster.Spf.Native;

/// <summary>An <c>SPF_response_t*</c>; released with <c>SPF_response_free</c>.</summary>
internal sealed class SpfResponseHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibSpf2.SPF_response_free(handle);
        return true;
    }
}
