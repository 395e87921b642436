namespace Postmaster.Platform;

/// <summary>Changing the process's credentials or a file's owner failed; the message is one line naming the
/// call and the errno text. The daemon refuses to go on when it sees one.</summary>
public sealed class PrivilegeException(string message) : Exception(message);
