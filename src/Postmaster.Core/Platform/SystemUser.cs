namespace Postmaster.Platform;

/// <summary>An entry of the passwd database.</summary>
public sealed record SystemUser(string Name, uint Uid, uint Gid, string Home, string Shell);
