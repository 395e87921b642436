using System.Collections.Immutable;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Postmaster.Config;
using Postmaster.Dns;
using Postmaster.Platform;
using Postmaster.Smtp.Server;
using Postmaster.Spool;

namespace Postmaster.Tests.Smtp.Server;

/// <summary>Drives a real <see cref="SmtpSession"/> over in-memory pipes, with a real spool in a temporary
/// directory and a configuration parsed from text: <c>SendAsync</c> what a client would send,
/// <c>ReadReplyCodesAsync</c> what it hears.</summary>
internal sealed class InMemorySession : IAsyncDisposable
{
    public const string Hostname = "mx.example.org";

    readonly InMemoryTransport _transport;
    readonly Task _run;
    readonly string _directory;
    readonly SmtpServerContext _server;
    readonly List<string> _replies = [];
    string _pending = "";

    InMemorySession(string directory, SmtpServerContext server, InMemoryTransport transport)
    {
        _directory = directory;
        _server = server;
        _transport = transport;
        Session = new SmtpSession(server, transport);
        _run = RunAsync();
    }

    /// <summary>As the listener does: run the dialogue, then let go of the connection.</summary>
    async Task RunAsync()
    {
        await Session.RunAsync();
        await Session.DisposeAsync();
    }

    public SmtpSession Session { get; }
    public SpoolDirectory Spool => _server.Spool;
    public FakeTimeProvider Time { get; private init; } = null!;
    public SmtpServerContext Server => _server;

    /// <param name="config">postmaster.cf text; hostname and spool are added.</param>
    /// <param name="client">The client's address; loopback is trusted by default.</param>
    /// <param name="policies">The spam defences asked during the dialogue; none by default.</param>
    public static InMemorySession Start(string config = "@example.org maildir(/var/vmail/$USER/)", string client = "192.0.2.10",
        Postmaster.Policy.PolicyChain? policies = null)
    {
        string directory = Directory.CreateTempSubdirectory("postmaster-session-").FullName;
        string text = $"hostname {Hostname}\nspool {directory}/spool\n{config}\n";
        var errors = new List<ConfigError>();
        PostmasterConfig parsed = ConfigParser.Parse(Encoding.UTF8.GetBytes(text), "test.cf", PasswdDatabase.Instance, () => Hostname, errors);
        if (errors.Any(e => !e.IsWarning))
            throw new ArgumentException(string.Join("\n", errors));
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T12:00:00Z"));
        var spool = new SpoolDirectory(parsed.Settings.Spool, time, NullLogger<SpoolDirectory>.Instance);
        spool.Open();
        var snapshot = new ServerSnapshot(parsed.Settings,
            new Postmaster.Routing.RouteResolver(parsed.Routes, Hostname, parsed.Settings.LocalMailer, PasswdDatabase.Instance), null)
        {
            Policies = policies ?? Postmaster.Policy.PolicyChain.Empty,
        };
        // A closed port: reverse lookups fail fast, as they do for most clients anyway.
        var dns = new DnsResolver([new IPEndPoint(IPAddress.Loopback, 9)], TimeSpan.FromMilliseconds(200));
        var server = new SmtpServerContext(snapshot, spool, dns, time, NullLogger.Instance, SessionTimeouts.Rfc5321);
        var transport = new InMemoryTransport(new IPEndPoint(IPAddress.Parse(client), 40000));
        return new InMemorySession(directory, server, transport) { Time = time };
    }

    /// <summary>Sends raw text (CRLFs as written) in one write, as a pipelining client does.</summary>
    public async Task SendAsync(string text)
    {
        await _transport.ClientToServer.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    public async Task SendBytesAsync(byte[] bytes) => await _transport.ClientToServer.Writer.WriteAsync(bytes);

    /// <summary>The client hangs up.</summary>
    public async Task CloseAsync() => await _transport.ClientToServer.Writer.CompleteAsync();

    /// <summary>Reads <paramref name="count"/> whole replies (multi-line ones count once) and returns their codes.</summary>
    public async Task<int[]> ReadReplyCodesAsync(int count) =>
        [.. (await ReadRepliesAsync(count)).Select(r => int.Parse(r[..3]))];

    /// <summary>Reads <paramref name="count"/> whole replies; each is its last line, e.g. "250 2.1.5 Ok".</summary>
    public async Task<string[]> ReadRepliesAsync(int count)
    {
        var replies = new List<string>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (replies.Count < count)
        {
            int newline = _pending.IndexOf("\r\n", StringComparison.Ordinal);
            if (newline >= 0)
            {
                string line = _pending[..newline];
                _pending = _pending[(newline + 2)..];
                _replies.Add(line);
                if (line.Length < 4 || line[3] != '-')
                    replies.Add(line);
                continue;
            }
            ReadResult read = await _transport.ServerToClient.Reader.ReadAsync(limit.Token);
            _pending += Encoding.UTF8.GetString(read.Buffer);
            _transport.ServerToClient.Reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted && !_pending.Contains("\r\n"))
                throw new EndOfStreamException($"server closed after {replies.Count} of {count} replies: {string.Join(" | ", _replies)}");
        }
        return [.. replies];
    }

    /// <summary>Every reply line seen so far, continuation lines included.</summary>
    public IReadOnlyList<string> Transcript => _replies;

    /// <summary>Whether the server ended the session (its side of the pipe is complete).</summary>
    public async Task<bool> ServerClosedAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            ReadResult read = await _transport.ServerToClient.Reader.ReadAsync(limit.Token);
            _pending += Encoding.UTF8.GetString(read.Buffer);
            _transport.ServerToClient.Reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                // Whatever came before the close still belongs to the transcript.
                _replies.AddRange(_pending.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
                _pending = "";
                return true;
            }
        }
    }

    public ImmutableArray<QueueId> Queued => [.. Spool.List()];

    public string MessageText(QueueId id)
    {
        using var reader = new StreamReader(Spool.OpenMessage(id), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        await _transport.ClientToServer.Writer.CompleteAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(10));
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
