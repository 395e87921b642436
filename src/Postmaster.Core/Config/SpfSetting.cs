using Postmaster.Spf;

namespace Postmaster.Config;

/// <summary>The <c>spf</c> setting: <c>off</c>, <c>tag</c> or <c>reject</c>. <c>reject</c> promises refusals that
/// only libspf2 can make, so without the library it is an error here, where check-config and a reload see it;
/// <c>tag</c> without it only means untagged mail (the daemon logs that).</summary>
internal static class SpfSetting
{
    static readonly ValueParser<SpfMode> Mode =
        SettingParsers.Word(("off", SpfMode.Off), ("tag", SpfMode.Tag), ("reject", SpfMode.Reject));

    public static bool Parse(LocatedText value, SettingContext context, out SpfMode result)
    {
        if (!Mode(value, context, out result))
            return false;
        if (result == SpfMode.Reject && SpfLibrary.Status is { IsAvailable: false } missing)
            return context.Fail(value.Where, $"reject needs libspf2, which cannot be loaded ({missing.Problem}); " +
                "install libspf2-2, or use tag or off");
        return true;
    }
}
