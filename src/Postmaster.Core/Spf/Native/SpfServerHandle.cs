using System.Runtime.InteropServices;

namespace Postmaster.Spf.Native;

/// <summary>An <c>SPF_server_t*</c>; released with <c>SPF_server_free</c>, and only then its DNS layer, which
/// SPF_server_new_dns does not own (TOOLCHAIN.md gotcha 9) but SPF_server_free still reads.</summary>
internal sealed class SpfServerHandle() : SafeHandle(0, ownsHandle: true)
{
    SpfDnsLayer? _layer;

    public override bool IsInvalid => handle == 0;

    /// <summary>Keeps <paramref name="layer"/> alive until this server is freed.</summary>
    public void Hold(SpfDnsLayer layer)
    {
        bool added = false;
        layer.DangerousAddRef(ref added);
        if (added)
            _layer = layer;
    }

    protected override bool ReleaseHandle()
    {
        LibSpf2.SPF_server_free(handle);
        _layer?.DangerousRelease();
        return true;
    }
}
