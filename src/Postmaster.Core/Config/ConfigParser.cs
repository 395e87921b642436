using Postmaster.Platform;

namespace Postmaster.Config;

/// <summary>Turns the bytes of a <c>postmaster.cf</c> into routes and settings (format: man/postmaster.cf.5).</summary>
public static class ConfigParser
{
    /// <summary>Parses a whole file. Never throws on bad input: every problem goes to <paramref name="errors"/>.</summary>
    /// <param name="fileName">Used in error locations, as given.</param>
    /// <param name="users">For the <c>user</c> setting's existence check.</param>
    /// <param name="defaultHostname">Called only when the file sets no <c>hostname</c>.</param>
    public static PostmasterConfig Parse(ReadOnlySpan<byte> text, string fileName, IUserDatabase users,
        Func<string> defaultHostname, ICollection<ConfigError> errors)
    {
        throw new NotImplementedException("being written");
    }
}
