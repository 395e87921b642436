namespace Postmaster.Smtp.Protocol;

/// <summary>The MAIL FROM <c>BODY=</c> parameter (RFC 6152); <see cref="Unspecified"/> when the client gave none.</summary>
public enum BodyType
{
    Unspecified,
    SevenBit,
    EightBitMime,
}
