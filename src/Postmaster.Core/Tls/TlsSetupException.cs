namespace Postmaster.Tls;

/// <summary>A certificate or key could not be loaded or created; the message is one line naming the file.</summary>
public sealed class TlsSetupException(string message) : Exception(message);
