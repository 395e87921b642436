namespace Postmaster.Smtp.Protocol;

/// <summary>How reading a message after 354 ended; only <see cref="Complete"/> may be queued.</summary>
public enum BodyResult
{
    Complete,
    TooBig,            // more than the size limit (552 5.3.4)
    LineTooLong,       // a text line over 1000 octets (500 5.5.2)
    TooManyHops,       // 100 or more Received: headers (554 5.4.6)
    BareLineEnding,    // bare CR or LF: stopped at once (521 5.5.2, close)
    ConnectionClosed,  // the input ended before CRLF.CRLF
}
