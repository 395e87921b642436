using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Postmaster.Spool;

/// <summary>The name of a message in the spool: 14 characters of Crockford base32 that sort by arrival.</summary>
/// <remarks>
/// 70 bits, most significant first: 45 bits of milliseconds since the Unix epoch (good until the year 3084),
/// an 11-bit counter and 14 random bits. Within one process ids strictly increase: the clock never runs
/// backwards for us, and a counter that overflows borrows the next millisecond. Between processes (the
/// daemon and a concurrent <c>postmaster sendmail</c>) the counter starts at a random value every
/// millisecond and the low bits are random, so two processes pick the same id in the same millisecond
/// with a chance of one in 2^24; the spool's O_EXCL create and RENAME_NOREPLACE catch even that.
/// The alphabet has no I, L, O or U, so an id read aloud or retyped stays unambiguous; its characters
/// are in ASCII order, so ordinal string order is arrival order.
/// </remarks>
public readonly record struct QueueId : IComparable<QueueId>
{
    public const int Length = 14;

    const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const int CounterBits = 11, RandomBits = 14;
    const long MaxTime = (1L << 45) - 1;

    static readonly Lock Gate = new();
    static long _lastMilliseconds = -1;
    static int _counter;

    readonly string? _text;

    QueueId(string text) => _text = text;

    /// <summary>A new id, later than every id this process made before.</summary>
    public static QueueId New(TimeProvider time)
    {
        long milliseconds = Math.Clamp(time.GetUtcNow().ToUnixTimeMilliseconds(), 0, MaxTime);
        long counter;
        lock (Gate)
        {
            if (milliseconds > _lastMilliseconds)
            {
                _lastMilliseconds = milliseconds;
                _counter = RandomNumberGenerator.GetInt32(1 << (CounterBits - 1));   // leaves room to count up
            }
            else if (++_counter == 1 << CounterBits)
            {
                _lastMilliseconds++;                // 2048 ids in one millisecond: borrow the next one
                _counter = 0;
            }
            milliseconds = _lastMilliseconds;
            counter = _counter;
        }
        long random = RandomNumberGenerator.GetInt32(1 << RandomBits);
        UInt128 value = ((UInt128)(ulong)milliseconds << (CounterBits + RandomBits)) | (ulong)(counter << RandomBits) | (ulong)random;

        Span<char> text = stackalloc char[Length];
        for (int i = Length - 1; i >= 0; i--)
        {
            text[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new QueueId(new string(text));
    }

    /// <summary>Accepts exactly what <see cref="New"/> makes: 14 upper-case characters of the alphabet.</summary>
    /// <remarks>As strict as Postfix's <c>mail_queue_id_ok</c>: a name that passes can never leave the spool
    /// directory (no '/', no '.'), so file names read from a directory can be trusted once parsed.</remarks>
    public static bool TryParse([NotNullWhen(true)] string? s, out QueueId id)
    {
        id = default;
        if (s is null || s.Length != Length)
            return false;
        foreach (char c in s)
        {
            if (!Alphabet.Contains(c))
                return false;
        }
        id = new QueueId(s);
        return true;
    }

    /// <summary>The millisecond the id was made in (its first 9 characters); the epoch for <c>default</c>.</summary>
    public DateTimeOffset Timestamp
    {
        get
        {
            long milliseconds = 0;
            if (_text is not null)
            {
                foreach (char c in _text.AsSpan(0, 9))
                    milliseconds = milliseconds << 5 | (long)Alphabet.IndexOf(c);
            }
            return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        }
    }

    public int CompareTo(QueueId other) => string.CompareOrdinal(_text, other._text);

    public static bool operator <(QueueId left, QueueId right) => left.CompareTo(right) < 0;
    public static bool operator >(QueueId left, QueueId right) => left.CompareTo(right) > 0;
    public static bool operator <=(QueueId left, QueueId right) => left.CompareTo(right) <= 0;
    public static bool operator >=(QueueId left, QueueId right) => left.CompareTo(right) >= 0;

    public override string ToString() => _text ?? "";
}
