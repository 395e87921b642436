namespace Postmaster.Policy.Dso;

/// <summary>What <c>postmaster_policy_check</c> returned, unchecked: the verdict number and the reply buffer.</summary>
internal readonly record struct DsoAnswer(int Verdict, byte[] Reply);
