using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Postmaster.Policy.Delegation;

namespace Postmaster.Tests.Policy.Delegation;

/// <summary>A real policy server on a loopback TCP port or a unix socket, speaking Postfix's policy delegation
/// protocol: it reads name=value requests up to the empty line and writes what <see cref="Answer"/> returns.</summary>
/// <remarks>The answer is the raw reply text (<c>"action=DUNNO\n\n"</c>); <see cref="Close"/> closes the connection
/// instead (or after the text it ends), <see cref="Silence"/> never answers.</remarks>
internal sealed class ScriptedPolicyServer : IAsyncDisposable
{
    public const string Close = "<close>", Silence = "<silence>";

    readonly Socket _listener;
    readonly CancellationTokenSource _stop = new();
    readonly Task _accepting;
    readonly string? _unixPath;
    int _connections;

    ScriptedPolicyServer(Socket listener, PolicyServerAddress address, Func<IReadOnlyDictionary<string, string>, string> answer,
        string? unixPath)
    {
        _listener = listener;
        Address = address;
        Answer = answer;
        _unixPath = unixPath;
        _accepting = AcceptAsync();
    }

    public PolicyServerAddress Address { get; }

    public Func<IReadOnlyDictionary<string, string>, string> Answer { get; set; }

    /// <summary>Close each connection after answering on it (as a server with a short idle timeout would).</summary>
    public bool CloseAfterReply { get; set; }

    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Requests { get; } = new();

    public int Connections => Volatile.Read(ref _connections);

    public static ScriptedPolicyServer Tcp(Func<IReadOnlyDictionary<string, string>, string> answer)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        return new ScriptedPolicyServer(listener, new PolicyServerAddress(null, "127.0.0.1", port), answer, null);
    }

    public static ScriptedPolicyServer Unix(Func<IReadOnlyDictionary<string, string>, string> answer)
    {
        string path = Path.Combine(Path.GetTempPath(), $"pm-policy-{Guid.NewGuid():N}.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(64);
        return new ScriptedPolicyServer(listener, new PolicyServerAddress(path, null, 0), answer, path);
    }

    async Task AcceptAsync()
    {
        var sessions = new List<Task>();
        try
        {
            while (true)
            {
                Socket client = await _listener.AcceptAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                sessions.Add(ServeAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(sessions);
    }

    async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var pending = new StringBuilder();
            var buffer = new byte[4096];
            var request = new Dictionary<string, string>();
            try
            {
                while (true)
                {
                    int read = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (read == 0)
                        return;
                    pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
                    string text = pending.ToString();
                    int newline;
                    while ((newline = text.IndexOf('\n')) >= 0)
                    {
                        string line = text[..newline];
                        text = text[(newline + 1)..];
                        if (line.Length > 0)
                        {
                            int equals = line.IndexOf('=');
                            request[line[..equals]] = line[(equals + 1)..];
                            continue;
                        }
                        Requests.Enqueue(request);
                        string answer = Answer(request);
                        request = [];
                        if (answer.EndsWith(Close, StringComparison.Ordinal))
                        {
                            await client.SendAsync(Encoding.UTF8.GetBytes(answer[..^Close.Length]), SocketFlags.None, _stop.Token);
                            return;
                        }
                        if (answer == Silence)
                        {
                            await Task.Delay(Timeout.Infinite, _stop.Token);
                            return;
                        }
                        await client.SendAsync(Encoding.UTF8.GetBytes(answer), SocketFlags.None, _stop.Token);
                        if (CloseAfterReply)
                            return;
                    }
                    pending.Clear().Append(text);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
        if (_unixPath is not null)
            File.Delete(_unixPath);
    }
}
