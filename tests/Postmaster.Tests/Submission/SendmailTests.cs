using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Config;
using Postmaster.Spool;
using Postmaster.Submission;
using Postmaster.Tests.Routing;
using Postmaster.Tests.Spool;
using Xunit;
using static Postmaster.Tests.Routing.RoutingFixtures;

namespace Postmaster.Tests.Submission;

/// <summary><see cref="Sendmail.RunAsync"/> against a scripted daemon on the spool's socket, and without one
/// (the test runs as the spool's owner, so the message goes straight into the spool).</summary>
public sealed class SendmailTests : IDisposable
{
    readonly TempSpool _spool = new();
    readonly Settings _settings;

    public SendmailTests() => _settings = new Settings { Hostname = Hostname, Spool = _spool.Root };

    static readonly Postmaster.Routing.RouteResolver Resolver = RoutingFixtures.Resolver(Table(
        R(1, "@example.org", Maildir("/var/vmail/$USER/")),
        R(2, "list@example.org", To("a@example.org"), To("b@example.org"), To("a@example.org"))));

    Task<SubmissionResult> RunAsync(string input, params string[] arguments) =>
        Sendmail.RunAsync(SubmissionFixture.Options(arguments), _settings, Resolver, new MemoryStream(Encoding.UTF8.GetBytes(input)),
            SubmissionFixture.Joe, SubmissionFixture.Clock(), NullLoggerFactory.Instance, CancellationToken.None);

    string Socket => Path.Combine(_spool.Root, "submit.sock");

    [Fact]
    public async Task SpeaksSmtpToTheDaemonWithDotStuffing()
    {
        await using var server = new ScriptedSmtpServer(Socket, ScriptedSmtpServer.Accepting);

        SubmissionResult result = await RunAsync("Subject: t\n\n.leading dot\n..two\n.\n", "-i", "bob@example.org", "carol@example.org");

        Assert.Equal(SubmissionOutcome.Queued, result.Outcome);
        Assert.Equal("0KX7M2C4J1QF", result.QueueId);
        await server.DisposeAsync();
        Assert.Equal(["EHLO mx.example.net", $"MAIL FROM:<joe@mx.example.net> SIZE={server.Data.Replace("\r\n..", "\r\n.").Length} BODY=7BIT",
            "RCPT TO:<bob@example.org>", "RCPT TO:<carol@example.org>", "DATA", "QUIT"], server.Commands);
        Assert.EndsWith("\r\n\r\n..leading dot\r\n...two\r\n..\r\n", server.Data);
    }

    [Fact]
    public async Task DeclaresEightBitContent()
    {
        await using var server = new ScriptedSmtpServer(Socket, ScriptedSmtpServer.Accepting);

        await RunAsync("Subject: t\n\nGrüße\n", "bob@example.org");

        await server.DisposeAsync();
        Assert.EndsWith(" BODY=8BITMIME", server.Commands[1]);
    }

    [Fact]
    public async Task SendsNothingWhenARecipientIsRefused()
    {
        await using var server = new ScriptedSmtpServer(Socket, command => command == "RCPT TO:<nobody@example.org>"
            ? "550 5.1.1 No such user here\r\n" : ScriptedSmtpServer.Accepting(command));

        SubmissionResult result = await RunAsync("Subject: t\n\nx\n", "bob@example.org", "nobody@example.org");

        Assert.Equal(SubmissionOutcome.RecipientRefused, result.Outcome);
        Assert.Equal(["<nobody@example.org>: 550 5.1.1 No such user here", "nothing was sent"], result.Problems.AsEnumerable());
        await server.DisposeAsync();
        Assert.DoesNotContain("DATA", server.Commands);
        Assert.Equal("QUIT", server.Commands[^1]);
    }

    [Theory]
    [InlineData("MAIL", "451 4.3.0 Local error in processing\r\n", SubmissionOutcome.TemporaryFailure)]
    [InlineData("MAIL", "553 5.6.7 Non-ASCII address\r\n", SubmissionOutcome.BadMessage)]
    [InlineData("RCPT", "452 4.5.3 Too many recipients\r\n", SubmissionOutcome.TemporaryFailure)]
    [InlineData(".", "552 5.3.4 Message size exceeds fixed maximum message size\r\n", SubmissionOutcome.BadMessage)]
    [InlineData(".", "451 4.3.0 Local error in processing\r\n", SubmissionOutcome.TemporaryFailure)]
    public async Task MapsRefusalsToOutcomes(string command, string reply, SubmissionOutcome expected)
    {
        await using var server = new ScriptedSmtpServer(Socket, c => c.StartsWith(command) ? reply : ScriptedSmtpServer.Accepting(c));

        SubmissionResult result = await RunAsync("Subject: t\n\nx\n", "bob@example.org");

        Assert.Equal(expected, result.Outcome);
        Assert.Contains(reply.TrimEnd(), result.Problems[0]);
    }

    [Fact]
    public async Task QueuesDirectlyWhenTheDaemonTakesNoMail()
    {
        await using var server = new ScriptedSmtpServer(Socket, ScriptedSmtpServer.Accepting, "421 4.3.2 Shutting down; closing\r\n");

        SubmissionResult result = await RunAsync("Subject: t\n\nx\n", "bob@example.org");

        Assert.Equal(SubmissionOutcome.Queued, result.Outcome);    // the test is the spool's owner
        Assert.Single(_spool.Spool.List());
    }

    [Fact]
    public async Task WritesIntoTheSpoolWhenNoDaemonListens()
    {
        SubmissionResult result = await RunAsync("Subject: direct\n\nbody\n", "-f", "alice@example.org", "list@example.org", "c@example.org");

        Assert.Equal(SubmissionOutcome.Queued, result.Outcome);
        Assert.True(QueueId.TryParse(result.QueueId, out QueueId id));
        Envelope envelope = _spool.Spool.ReadEnvelope(id)!;
        Assert.Equal("alice@example.org", envelope.Sender?.ToString());
        Assert.Equal(new ClientInfo("local", null, "joe", "local", null), envelope.Client);
        // As the daemon writes them: one line per final delivery, the duplicate from the list only once.
        Assert.Equal(["a@example.org orig=list@example.org maildir(/var/vmail/a/)", "b@example.org orig=list@example.org maildir(/var/vmail/b/)",
            "c@example.org orig=c@example.org maildir(/var/vmail/c/)"],
            envelope.Recipients.Select(r => $"{r.Recipient} orig={r.OriginalRecipient} {r.Mailer}"));
        string text = File.ReadAllText(_spool.Queue(id + ".msg"));
        Assert.StartsWith($"Received: from local (uid 1000)\r\n\tby mx.example.net (Postmaster) with local id {id};\r\n\tSun, 01 Mar 2026 10:30:00 +0000\r\nSubject: direct\r\n", text);
        Assert.Equal(text.Length, envelope.Size);
        Assert.Equal(Postmaster.Smtp.Protocol.BodyType.SevenBit, envelope.Body);
    }

    [Fact]
    public async Task QueuesNothingDirectlyWhenARecipientHasNoRoute()
    {
        SubmissionResult result = await RunAsync("Subject: t\n\nx\n", "bob@example.org", "nobody@elsewhere.example");

        Assert.Equal(SubmissionOutcome.RecipientRefused, result.Outcome);
        Assert.StartsWith("<nobody@elsewhere.example>: 550 5.1.1 No such user here", result.Problems[0]);
        Assert.Empty(_spool.Spool.List());
    }

    [Fact]
    public async Task TakesAStaleSocketForNoDaemon()
    {
        using (var stale = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, 0))
            stale.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Socket));   // bound, never listening: ECONNREFUSED

        SubmissionResult result = await RunAsync("Subject: t\n\nx\n", "bob@example.org");

        Assert.Equal(SubmissionOutcome.Queued, result.Outcome);
        Assert.Single(_spool.Spool.List());
    }

    [Fact]
    public async Task WaitsForTheDaemonWhenTheSpoolIsNotThere()
    {
        var settings = _settings with { Spool = Path.Combine(_spool.Root, "missing") };

        SubmissionResult result = await Sendmail.RunAsync(SubmissionFixture.Options("bob@example.org"), settings, Resolver,
            new MemoryStream("x\n"u8.ToArray()), SubmissionFixture.Joe, SubmissionFixture.Clock(), NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(SubmissionOutcome.TemporaryFailure, result.Outcome);
        Assert.Equal([$"the daemon is not running ({settings.Spool}/submit.sock)"], result.Problems.AsEnumerable());
    }

    public void Dispose() => _spool.Dispose();
}
