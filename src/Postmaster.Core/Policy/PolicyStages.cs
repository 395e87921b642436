namespace Postmaster.Policy;

/// <summary>A set of <see cref="PolicyStage"/>s: the stages at which one policy wants to be asked.</summary>
[Flags]
public enum PolicyStages
{
    None = 0,
    Connect = 1 << PolicyStage.Connect,
    Helo = 1 << PolicyStage.Helo,
    Mail = 1 << PolicyStage.Mail,
    Rcpt = 1 << PolicyStage.Rcpt,
    Data = 1 << PolicyStage.Data,
    All = Connect | Helo | Mail | Rcpt | Data,
}
