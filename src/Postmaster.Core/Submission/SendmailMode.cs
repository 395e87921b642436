namespace Postmaster.Submission;

/// <summary>What a sendmail command line asks for besides sending.</summary>
public enum SendmailMode
{
    /// <summary>Read a message and submit it (<c>-bm</c>, the default).</summary>
    Send,
    /// <summary><c>--help</c>: print the usage and exit.</summary>
    Help,
    /// <summary><c>-bi</c>, <c>-I</c> (newaliases): there is no aliases database to rebuild; succeed.</summary>
    NewAliases,
}
