namespace Postmaster.Spf;

/// <summary>The results of RFC 7208 §2.6, numbered as libspf2's SPF_result_t (spf_response.h) so the native value
/// can be read as it is. <see cref="Invalid"/> is libspf2's own: <see cref="SpfCheck"/> never returns it.</summary>
public enum SpfResult
{
    Invalid = 0,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    None,
    TempError,
    PermError,
}
