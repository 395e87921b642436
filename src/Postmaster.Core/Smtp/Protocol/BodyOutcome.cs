namespace Postmaster.Smtp.Protocol;

/// <summary>The result of <see cref="BodyReader.ReadAsync"/>.</summary>
/// <param name="Size">Octets of the unstuffed message (CRLF line endings), counted also past the limit.</param>
/// <param name="ReceivedHeaders"><c>Received:</c> fields in the header section.</param>
public readonly record struct BodyOutcome(BodyResult Result, long Size, int ReceivedHeaders);
