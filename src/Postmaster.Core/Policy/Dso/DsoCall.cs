using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Postmaster.Policy.Dso;

/// <summary>One call of <c>postmaster_policy_check</c>: the facts and the reply buffer in one block of native
/// memory, and who owns it at which moment.</summary>
/// <remarks>The header promises that everything passed in stays valid until the call returns, even when the
/// session stopped waiting for it: so the memory is freed by whoever touches the call last, the worker after
/// the plugin returned, or the worker skipping a call abandoned while still queued.</remarks>
internal sealed unsafe class DsoCall
{
    const int Queued = 0, Running = 1, Finished = 2, AbandonedQueued = 3, AbandonedRunning = 4;

    int _state;
    byte* _memory;
    readonly NativeFacts* _facts;
    readonly byte* _reply;

    DsoCall(byte* memory, NativeFacts* facts, byte* reply)
    {
        _memory = memory;
        _facts = facts;
        _reply = reply;
    }

    public TaskCompletionSource<DsoAnswer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When the plugin was entered (<see cref="Stopwatch"/> ticks); 0 before.</summary>
    public long StartedAt { get; private set; }

    public NativeFacts* Facts => _facts;

    public byte* Reply => _reply;

    /// <summary>Lays out <paramref name="facts"/> as <c>struct postmaster_policy_facts</c> with its strings and a
    /// zero-filled reply buffer behind it.</summary>
    public static DsoCall Create(SessionFacts facts)
    {
        string?[] texts =
        [
            facts.SessionId,
            facts.ClientAddress.ToString(),
            facts.ClientName,
            facts.Helo,
            facts.Protocol,
            facts.TlsDescription,
            facts.HasSender ? facts.Sender?.ToString() ?? "" : null,
            facts.Recipient?.ToString(),
            facts.QueueId,
        ];
        // A NUL inside a value would cut it short in C; none can come from the SMTP parser, but never trust that.
        byte[]?[] encoded = [.. texts.Select(t => t is null ? null : Encoding.UTF8.GetBytes(t.Replace('\0', '?')))];
        int size = sizeof(NativeFacts) + DsoAbi.ReplySize + encoded.Sum(e => e is null ? 0 : e.Length + 1);

        byte* memory = (byte*)NativeMemory.AllocZeroed((nuint)size);
        var native = (NativeFacts*)memory;
        byte* reply = memory + sizeof(NativeFacts);
        byte* next = reply + DsoAbi.ReplySize;
        byte*[] pointers = new byte*[encoded.Length];
        for (int i = 0; i < encoded.Length; i++)
            pointers[i] = Place(encoded[i], ref next);

        native->StructSize = (uint)sizeof(NativeFacts);
        native->Stage = DsoAbi.Stage(facts.Stage);
        native->SessionId = pointers[0];
        native->ClientAddress = pointers[1];
        native->ClientName = pointers[2];
        native->Helo = pointers[3];
        native->Protocol = pointers[4];
        native->Tls = pointers[5];
        native->Sender = pointers[6];
        native->Recipient = pointers[7];
        native->QueueId = pointers[8];
        native->MessageSize = facts.Size ?? -1;
        native->RecipientCount = (uint)Math.Max(0, facts.RecipientCount);
        native->Flags = (facts.TlsDescription is not null ? DsoAbi.Tls : 0) | (facts.IsTrusted ? DsoAbi.Trusted : 0)
                        | (facts.IsLocal ? DsoAbi.Local : 0);
        return new DsoCall(memory, native, reply);
    }

    /// <summary>Copies <paramref name="text"/> and its NUL to <paramref name="next"/>; null stays NULL.</summary>
    static byte* Place(byte[]? text, ref byte* next)
    {
        if (text is null)
            return null;
        byte* start = next;
        text.CopyTo(new Span<byte>(start, text.Length));   // the zero-filled block supplies the NUL
        next += text.Length + 1;
        return start;
    }

    /// <summary>Worker: claims a queued call; false when the caller gave up on it already (then it is freed).</summary>
    public bool TryStart()
    {
        StartedAt = Stopwatch.GetTimestamp();
        if (Interlocked.CompareExchange(ref _state, Running, Queued) == Queued)
            return true;
        Free();
        return false;
    }

    /// <summary>Worker, after the plugin returned: copies the reply out and frees the memory; false when the caller
    /// had stopped waiting (the answer goes nowhere).</summary>
    public bool TryFinish(int verdict)
    {
        byte[] reply = new ReadOnlySpan<byte>(_reply, DsoAbi.ReplySize).ToArray();
        Free();
        if (Interlocked.CompareExchange(ref _state, Finished, Running) != Running)
            return false;
        Answer.SetResult(new DsoAnswer(verdict, reply));
        return true;
    }

    /// <summary>The plugin returned and the caller was still waiting: <see cref="Answer"/> is (about to be) set.</summary>
    public bool IsFinished => Volatile.Read(ref _state) == Finished;

    /// <summary>Caller, out of time: gives the call up if it has not started.</summary>
    public bool TryAbandonQueued() => Interlocked.CompareExchange(ref _state, AbandonedQueued, Queued) == Queued;

    /// <summary>Caller, out of time: gives the call up while the plugin is still in it.</summary>
    public bool TryAbandonRunning() => Interlocked.CompareExchange(ref _state, AbandonedRunning, Running) == Running;

    /// <summary>Frees the memory of a call that never reached the queue.</summary>
    public void Free()
    {
        NativeMemory.Free(_memory);
        _memory = null;
    }
}
