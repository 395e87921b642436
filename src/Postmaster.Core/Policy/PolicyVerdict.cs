using System.Collections.Immutable;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Policy;

/// <summary>What one policy says about one stage of a session.</summary>
public enum VerdictKind
{
    /// <summary>No objection: ask the next policy (Postfix's DUNNO).</summary>
    Continue,

    /// <summary>Accepted here: the policies after this one are not asked at this stage (Postfix's OK).</summary>
    Accept,

    /// <summary>Refused for good: a 5xx reply.</summary>
    Reject,

    /// <summary>Refused for now: a 4xx reply.</summary>
    Defer,
}

/// <summary>A policy's answer: a kind, the reply for a refusal, and header fields to add to the message
/// (Postfix's PREPEND; SPF's Received-SPF), each a whole field without its CRLF.</summary>
public readonly record struct PolicyVerdict(VerdictKind Kind, Reply Reply, ImmutableArray<string> Headers)
{
    public static PolicyVerdict Continue { get; } = new(VerdictKind.Continue, default, []);

    public static PolicyVerdict Accept { get; } = new(VerdictKind.Accept, default, []);

    public static PolicyVerdict ContinueWith(params ImmutableArray<string> headers) => new(VerdictKind.Continue, default, headers);

    /// <summary>A 5xx refusal; <paramref name="reply"/> must carry a 5xx code.</summary>
    public static PolicyVerdict Reject(Reply reply) =>
        reply.IsPermanent ? new(VerdictKind.Reject, reply, []) : throw new ArgumentException($"not a 5xx: {reply}", nameof(reply));

    /// <summary>A 4xx refusal; <paramref name="reply"/> must carry a 4xx code.</summary>
    public static PolicyVerdict Defer(Reply reply) =>
        reply.IsTransient ? new(VerdictKind.Defer, reply, []) : throw new ArgumentException($"not a 4xx: {reply}", nameof(reply));

    public bool Refuses => Kind is VerdictKind.Reject or VerdictKind.Defer;

    /// <summary>A remark for the log on how this verdict came about, logged by <see cref="PolicyChain"/> with the
    /// policy's name: the policy could not be asked (a timeout, garbage), or said something we did not follow.</summary>
    public string? Note { get; init; }
}
