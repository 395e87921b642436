using System.Text;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Submission;
using Xunit;

namespace Postmaster.Tests.Submission;

/// <summary>Runs <see cref="MessagePreparer"/> on a string with a sendmail command line, as user joe on
/// mx.example.net at a fixed time in a +01:00 zone.</summary>
internal static class SubmissionFixture
{
    public const string Hostname = "mx.example.net";
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 10, 30, 0, TimeSpan.Zero);
    public static readonly Submitter Joe = new("joe", 1000, "Joe Bloggs");

    public static FakeTimeProvider Clock()
    {
        var time = new FakeTimeProvider(Now);
        time.SetLocalTimeZone(TimeZoneInfo.CreateCustomTimeZone("test+1", TimeSpan.FromHours(1), "test+1", "test+1"));
        return time;
    }

    public static SendmailOptions Options(params string[] arguments)
    {
        Assert.True(SendmailArguments.TryParse(arguments, out SendmailOptions? options, out string? error), error);
        return options;
    }

    public static Task<(PreparedMessage? Message, SubmissionResult? Failure)> PrepareRawAsync(byte[] input, string[] arguments,
        long maxSize = 1 << 20, string? environmentName = null, Submitter? submitter = null) =>
        MessagePreparer.PrepareAsync(new MemoryStream(input), Options(arguments), submitter ?? Joe, Hostname, Clock(), maxSize,
            environmentName, CancellationToken.None);

    /// <summary>The prepared message; fails the test when preparing fails.</summary>
    public static async Task<PreparedMessage> PrepareAsync(string input, params string[] arguments)
    {
        (PreparedMessage? message, SubmissionResult? failure) = await PrepareRawAsync(Encoding.UTF8.GetBytes(input), arguments);
        Assert.True(message is not null, string.Join("; ", failure?.Problems ?? []));
        return message;
    }

    public static string Text(PreparedMessage message)
    {
        using var copy = new MemoryStream();
        message.Content.Rewind().CopyTo(copy);
        return Encoding.UTF8.GetString(copy.ToArray());
    }

    /// <summary>The header fields added at a fixed time and user, for comparing whole messages.</summary>
    public const string AddedDate = "Date: Sun, 1 Mar 2026 11:30:00 +0100\r\n";
}
