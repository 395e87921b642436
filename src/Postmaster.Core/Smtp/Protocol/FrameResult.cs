namespace Postmaster.Smtp.Protocol;

/// <summary>What <see cref="LineFramer.TryReadLine"/> found at the front of the input.</summary>
public enum FrameResult
{
    Found,
    NeedMore,
    TooLong,          // no CRLF within LineFramer.MaxCommandLine octets
    BareLineEnding,   // an LF without CR, or a CR not followed by LF (SMTP smuggling)
}
