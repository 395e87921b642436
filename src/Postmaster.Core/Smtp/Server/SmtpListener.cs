using System.Net;
using System.Net.Sockets;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Smtp.Server;

/// <summary>Accepts connections on the configured addresses and runs a session for each, within the
/// connection limits. Owns the sockets; sessions see only pipes.</summary>
internal sealed class SmtpListener : IAsyncDisposable
{
    readonly SmtpServerContext _server;
    readonly List<Socket> _sockets = [];
    readonly ConnectionLimiter _limiter = new();
    readonly List<Task> _acceptLoops = [];
    readonly HashSet<Task> _sessions = [];

    SmtpListener(SmtpServerContext server) => _server = server;

    public int OpenSessions => _limiter.Total;

    /// <summary>Binds every endpoint (before privileges are dropped: port 25 needs root), and the Unix socket
    /// local submissions come through when <paramref name="localSocket"/> is given.</summary>
    /// <exception cref="SocketException">An address is in use or not available; the message names it.</exception>
    public static SmtpListener Bind(SmtpServerContext server, IEnumerable<IPEndPoint> endpoints, string? localSocket = null)
    {
        var listener = new SmtpListener(server);
        try
        {
            foreach (IPEndPoint endpoint in endpoints)
                listener._sockets.Add(BindOne(endpoint));
            if (localSocket is not null)
                listener._sockets.Add(BindLocal(localSocket));
        }
        catch
        {
            foreach (Socket socket in listener._sockets)
                socket.Dispose();
            throw;
        }
        return listener;
    }

    static Socket BindOne(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // [::]:25 and 0.0.0.0:25 are both the default: each socket serves only its own family.
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
                socket.DualMode = false;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endpoint);
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A Unix socket anyone on the machine may connect to: <c>postmaster sendmail</c> submits there,
    /// so local users need no access to the spool itself (Postfix's postdrop needs a setgid binary for that).</summary>
    static Socket BindLocal(string path)
    {
        File.Delete(path);   // a stale socket of an earlier run
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead |
                UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            socket.Listen(64);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The addresses actually bound (port 0 resolved), for logs and tests.</summary>
    public IEnumerable<EndPoint> LocalEndPoints => _sockets.Select(s => s.LocalEndPoint!);

    public void Start()
    {
        foreach (Socket socket in _sockets)
        {
            SmtpServerLog.Listening(_server.Log, socket.LocalEndPoint!.ToString()!);
            _acceptLoops.Add(AcceptLoopAsync(socket));
        }
    }

    async Task AcceptLoopAsync(Socket listening)
    {
        while (!_server.SoftStop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listening.AcceptAsync(_server.SoftStop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;   // the client gave up between SYN and accept; EMFILE passes too
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            Serve(client);
        }
    }

    void Serve(Socket client)
    {
        bool local = client.AddressFamily == AddressFamily.Unix;
        var remote = local ? new IPEndPoint(IPAddress.Loopback, 0) : (IPEndPoint)client.RemoteEndPoint!;
        // Local submissions (sendmail over submit.sock) count toward max-connections only: a burst of cron
        // jobs must not take the slots of, or be refused like, one busy network client.
        IPAddress address = local ? IPAddress.None : remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var settings = _server.Current.Settings;
        // Clients in trusted-networks are ours (an application server, a relay host of this site): like Postfix's
        // $mynetworks they are held only to max-connections, so a busy one is not refused with 421.
        int perClient = local || settings.TrustedNetworks.Any(network => network.Contains(address))
            ? settings.MaxConnections : settings.MaxConnectionsPerClient;
        if (!_limiter.TryAcquire(address, settings.MaxConnections, perClient, out string? refusal))
        {
            SmtpServerLog.ConnectionRefused(_server.Log, address.ToString(), refusal!);
            _ = RefuseAsync(client, refusal == "max-connections" ? Replies.TooManyConnections : Replies.TooManyConnectionsFromYou);
            return;
        }
        if (!local)
            client.NoDelay = true;
        Task session = RunSessionAsync(client, remote, address, local);
        lock (_sessions)
        {
            if (!session.IsCompleted)
                _sessions.Add(session);
        }
    }

    async Task RunSessionAsync(Socket client, IPEndPoint remote, IPAddress address, bool local)
    {
        await Task.Yield();   // off the accept loop at once
        try
        {
            await using var session = new SmtpSession(_server, new StreamTransport(new NetworkStream(client, ownsSocket: true), remote, local,
                local ? Platform.PeerCredentials.UidOf(client) : null));
            await session.RunAsync();
        }
        finally
        {
            _limiter.Release(address);
            lock (_sessions)
                _sessions.RemoveWhere(t => t.IsCompleted);
        }
    }

    static async Task RefuseAsync(Socket client, Reply reply)
    {
        using (client)
        {
            try
            {
                var writer = new System.Buffers.ArrayBufferWriter<byte>();
                reply.WriteTo(writer);
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.SendAsync(writer.WrittenMemory, SocketFlags.None, limit.Token);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Stops accepting and waits for the sessions to end (the caller has signalled them).</summary>
    public async Task StopAsync()
    {
        foreach (Socket socket in _sockets)
            socket.Dispose();
        await Task.WhenAll(_acceptLoops);
        Task[] running;
        lock (_sessions)
            running = [.. _sessions];
        await Task.WhenAll(running);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
