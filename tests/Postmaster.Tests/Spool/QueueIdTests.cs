using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Spool;
using Xunit;

namespace Postmaster.Tests.Spool;

public sealed partial class QueueIdTests
{
    [GeneratedRegex("^[0-9A-HJKMNP-TV-Z]{14}$")]
    private static partial Regex CrockfordBase32();

    [Fact]
    public void IsFourteenCharactersOfCrockfordBase32()
    {
        string id = QueueId.New(TimeProvider.System).ToString();

        Assert.Matches(CrockfordBase32(), id);
    }

    [Fact]
    public void IsUniqueOverAHundredThousandIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 100_000; i++)
            Assert.True(ids.Add(QueueId.New(TimeProvider.System).ToString()));
    }

    [Fact]
    public void IncreasesWithinOneMillisecondAndWhenTheCounterOverflows()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);      // frozen: every id in the same millisecond
        QueueId previous = QueueId.New(time);
        for (int i = 0; i < 10_000; i++)                              // far more than the 2048 a millisecond holds
        {
            QueueId next = QueueId.New(time);
            Assert.True(next > previous, $"{next} after {previous}");
            Assert.True(string.CompareOrdinal(next.ToString(), previous.ToString()) > 0);
            previous = next;
        }
    }

    [Fact]
    public void SortsByArrivalEvenWhenTheClockGoesBack()
    {
        var time = new SettableTime { Now = DateTimeOffset.UtcNow };
        QueueId first = QueueId.New(time);
        time.Now += TimeSpan.FromSeconds(2);
        QueueId second = QueueId.New(time);
        time.Now -= TimeSpan.FromHours(1);                             // NTP stepped the clock back
        QueueId third = QueueId.New(time);

        Assert.Equal([first, second, third], new[] { third, first, second }.Order());
    }

    [Fact]
    public void IsUniqueAcrossThreads()
    {
        var ids = new System.Collections.Concurrent.ConcurrentDictionary<QueueId, bool>();
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 5_000; i++)
                Assert.True(ids.TryAdd(QueueId.New(TimeProvider.System), true));
        });
        Assert.Equal(40_000, ids.Count);
    }

    [Fact]
    public void CarriesItsTimestamp()
    {
        // Ids never go back in time within a process, and other tests move fake clocks days ahead:
        // a clock later than any of theirs shows the timestamp itself.
        DateTimeOffset before = DateTimeOffset.Parse("2031-01-01T00:00:00Z");
        QueueId id = QueueId.New(new FakeTimeProvider(before));

        Assert.InRange(id.Timestamp, before.AddMilliseconds(-1), before.AddSeconds(30));   // counter overflow may borrow a few ms
    }

    [Fact]
    public void ParsesWhatItWrites()
    {
        QueueId id = QueueId.New(TimeProvider.System);

        Assert.True(QueueId.TryParse(id.ToString(), out QueueId parsed));
        Assert.Equal(id, parsed);
        Assert.Equal(0, id.CompareTo(parsed));
    }

    public static TheoryData<string?> NotIds => new()
    {
        null, "", "../x", "../../etc/passwd", "0KX7M2C4J1QF0", "0KX7M2C4J1QF000", "0kx7m2c4j1qf00",
        "0KX7M2C4J1QF0I", "0KX7M2C4J1QF0L", "0KX7M2C4J1QF0O", "0KX7M2C4J1QF0U", "0KX7M2C4J1QF/0", "0KX7M2C4J1QF.0",
        "0KX7M2C4J1QF 0", "0KX7M2C4J1QF0\n", "0KX7M2C4J1QFÖ0", "0KX7M2C4J1QF0０",
    };

    [Theory, MemberData(nameof(NotIds))]
    public void RejectsAnythingElse(string? text)
    {
        Assert.False(QueueId.TryParse(text, out QueueId id));
        Assert.Equal(default, id);
    }

    [Fact]
    public void RejectsTheLowerCaseFormOfAValidId()
    {
        string id = QueueId.New(TimeProvider.System).ToString();

        Assert.True(QueueId.TryParse(id, out _));
        Assert.False(QueueId.TryParse(id.ToLowerInvariant(), out _));
    }

    /// <summary>A clock that can also go back (FakeTimeProvider refuses to).</summary>
    sealed class SettableTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
