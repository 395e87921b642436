namespace Postmaster.Submission;

/// <summary>How a submission ended; the command line turns it into a sysexits code.</summary>
public enum SubmissionOutcome
{
    /// <summary>The message is queued (EX_OK).</summary>
    Queued,
    /// <summary>A bad command line: an unparsable address, no recipient (EX_USAGE).</summary>
    Usage,
    /// <summary>The message cannot be sent as it is: bad header addresses, too big, refused at DATA (EX_DATAERR).</summary>
    BadMessage,
    /// <summary>A recipient was refused (550): nothing was queued (EX_NOUSER).</summary>
    RecipientRefused,
    /// <summary>Try again later: the daemon is down or answered 4xx, the spool is full (EX_TEMPFAIL).</summary>
    TemporaryFailure,
}
