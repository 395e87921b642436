namespace Postmaster.Policy.Dso;

/// <summary>The constants of postmaster_policy.h.</summary>
internal static class DsoAbi
{
    /// <summary><c>POSTMASTER_POLICY_ABI_VERSION</c>: the version this daemon speaks.</summary>
    public const uint Version = 1;

    /// <summary><c>POSTMASTER_POLICY_REPLY_SIZE</c>.</summary>
    public const int ReplySize = 512;

    public const int InitErrorSize = 512;

    public const string InitSymbol = "postmaster_policy_init";
    public const string CheckSymbol = "postmaster_policy_check";
    public const string CleanupSymbol = "postmaster_policy_cleanup";

    // enum postmaster_policy_verdict
    public const int Continue = 0, Accept = 1, Reject = 2, Defer = 3;

    // flags
    public const uint Tls = 0x1, Trusted = 0x2, Local = 0x4;

    /// <summary>enum postmaster_policy_stage: one more than <see cref="PolicyStage"/> (0 is no stage in C).</summary>
    public static uint Stage(PolicyStage stage) => (uint)stage + 1;
}
