using System.Runtime.InteropServices;

namespace Postmaster.Spf.Native;

/// <summary>An <c>SPF_request_t*</c>; released with <c>SPF_request_free</c>.</summary>
internal sealed class SpfRequestHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibSpf2.SPF_request_free(handle);
        return true;
    }
}
