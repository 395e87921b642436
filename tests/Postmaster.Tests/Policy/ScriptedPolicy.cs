using System.Collections.Concurrent;
using Postmaster.Policy;

namespace Postmaster.Tests.Policy;

/// <summary>A test double for one policy: answers each stage from a table and records what it was told.</summary>
internal sealed class ScriptedPolicy(string name, Func<SessionFacts, PolicyVerdict> answer, params PolicyStage[] stages)
    : ISessionPolicy
{
    public string Name { get; } = name;

    public ConcurrentQueue<SessionFacts> Asked { get; } = new();

    public bool Handles(PolicyStage stage) => stages.Length == 0 || stages.Contains(stage);

    public ValueTask<PolicyVerdict> CheckAsync(SessionFacts facts, CancellationToken cancellation)
    {
        Asked.Enqueue(facts);
        return ValueTask.FromResult(answer(facts));
    }
}
