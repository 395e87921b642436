using Postmaster.Platform;

namespace Postmaster.Config;

/// <summary>What a setting's value parser needs besides the value: where to report, and the passwd database.</summary>
internal sealed class SettingContext(ICollection<ConfigError> errors, IUserDatabase users)
{
    public ICollection<ConfigError> Errors => errors;

    public IUserDatabase Users => users;

    /// <summary>The setting being parsed.</summary>
    public string Name { get; set; } = "";

    /// <summary>A problem with the value, reported as <c>name: problem</c>; returns false for the parser to pass on.</summary>
    public bool Fail(SourceLocation where, string problem)
    {
        errors.Add(new ConfigError(where, $"{Name}: {problem}"));
        return false;
    }

    /// <summary>A problem whose message already says which setting it is about.</summary>
    public bool Report(SourceLocation where, string message)
    {
        errors.Add(new ConfigError(where, message));
        return false;
    }

    public void Warn(SourceLocation where, string problem) => errors.Add(ConfigError.Warning(where, $"{Name}: {problem}"));
}
