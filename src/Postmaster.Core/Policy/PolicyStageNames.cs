namespace Postmaster.Policy;

/// <summary>The stages' names in the configuration file and in log lines: connect, helo, mail, rcpt, data.</summary>
public static class PolicyStageNames
{
    static readonly (string Name, PolicyStage Stage)[] Names =
    [
        ("connect", PolicyStage.Connect), ("helo", PolicyStage.Helo), ("mail", PolicyStage.Mail),
        ("rcpt", PolicyStage.Rcpt), ("data", PolicyStage.Data),
    ];

    public static string Of(PolicyStage stage) => Names[(int)stage].Name;

    public static bool Includes(this PolicyStages stages, PolicyStage stage) => (stages & (PolicyStages)(1 << (int)stage)) != 0;

    /// <summary>The stages in dialogue order, comma-separated: <c>rcpt, data</c>.</summary>
    public static string Format(PolicyStages stages) =>
        string.Join(", ", Names.Where(n => stages.Includes(n.Stage)).Select(n => n.Name));

    /// <summary>One stage name, case-insensitive.</summary>
    public static bool TryParse(string word, out PolicyStage stage)
    {
        foreach ((string name, PolicyStage value) in Names)
        {
            if (string.Equals(word, name, StringComparison.OrdinalIgnoreCase))
            {
                stage = value;
                return true;
            }
        }
        stage = default;
        return false;
    }
}
