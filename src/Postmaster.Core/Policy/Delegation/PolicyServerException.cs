namespace Postmaster.Policy.Delegation;

/// <summary>A policy server could not be asked or did not answer properly: down, too slow, or out of protocol.</summary>
public sealed class PolicyServerException(string message, Exception? inner = null) : Exception(message, inner);
