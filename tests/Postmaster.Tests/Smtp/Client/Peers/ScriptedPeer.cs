using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Postmaster.Tests.Smtp.Client.Peers;

/// <summary>A server that does exactly what a test scripts, for what no real server does on purpose: garbage,
/// mismatched multi-line codes, a refusing greeting, a stall (chasquid's FakeServer, Npgsql's PgServerMock).</summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly Task _run;

    ScriptedPeer(Func<PeerLink, int, Task> script, bool many)
    {
        _listener.Start();
        _run = many ? ServeManyAsync(script) : RunAsync(script, 1);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The command lines the client sent, in order.</summary>
    public List<string> Received { get; } = [];

    /// <summary>Serves one connection with <paramref name="script"/>.</summary>
    public static ScriptedPeer Start(Func<PeerLink, Task> script) => new((link, _) => script(link), many: false);

    /// <summary>Serves every connection, each with <paramref name="script"/> and its number (1, 2, ...), until disposed.</summary>
    public static ScriptedPeer Serve(Func<PeerLink, int, Task> script) => new(script, many: true);

    /// <summary>Connections accepted so far.</summary>
    public int Connections => _connections;

    int _connections;

    /// <summary>The usual opening: a 220, then a 250 to EHLO announcing <paramref name="extensions"/>.</summary>
    public static async Task GreetAsync(PeerLink link, params string[] extensions)
    {
        await link.SendAsync("220 peer.test ESMTP\r\n");
        await link.ExpectAsync("EHLO");
        string lines = string.Concat(extensions.Select(e => $"250-{e}\r\n"));
        await link.SendAsync($"250-peer.test\r\n{lines}250 HELP\r\n");
    }

    async Task ServeManyAsync(Func<PeerLink, int, Task> script)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                int number = Interlocked.Increment(ref _connections);
                connections.Add(Task.Run(() => ServeAsync(client, script, number)));
            }
        }
        finally
        {
            await Task.WhenAll(connections);
        }
    }

    async Task RunAsync(Func<PeerLink, int, Task> script, int number)
    {
        TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
        Interlocked.Increment(ref _connections);
        await ServeAsync(client, script, number);
    }

    async Task ServeAsync(TcpClient client, Func<PeerLink, int, Task> script, int number)
    {
        using (client)
        {
            await using NetworkStream stream = client.GetStream();
            var link = new PeerLink(stream, Received, _stop.Token);
            try
            {
                await script(link, number);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _run;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }
}

/// <summary>The server's end of one scripted connection.</summary>
internal sealed class PeerLink(NetworkStream stream, List<string> received, CancellationToken stop)
{
    readonly StreamReader _reader = new(stream, Encoding.UTF8, false, 1024, leaveOpen: true);

    public CancellationToken Stop => stop;

    public async Task SendAsync(string raw) => await stream.WriteAsync(Encoding.UTF8.GetBytes(raw), stop);

    public async Task<string?> ReadLineAsync()
    {
        string? line = await _reader.ReadLineAsync(stop);
        if (line is not null)
            lock (received)
                received.Add(line);
        return line;
    }

    /// <summary>Reads a command line and checks that it starts with <paramref name="verb"/>.</summary>
    public async Task<string> ExpectAsync(string verb)
    {
        string? line = await ReadLineAsync();
        if (line is null || !line.StartsWith(verb, StringComparison.OrdinalIgnoreCase))
            throw new IOException($"expected {verb}, got {line ?? "end of stream"}");
        return line;
    }

    /// <summary>Waits until the test ends, without a word.</summary>
    public Task StallAsync() => Task.Delay(Timeout.Infinite, stop);

    public void Close() => stream.Socket.Close();
}
