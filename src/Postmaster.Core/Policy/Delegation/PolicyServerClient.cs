using System.Net.Sockets;
using System.Text;

namespace Postmaster.Policy.Delegation;

/// <summary>Asks one policy server, over a small pool of kept-open connections (Postfix keeps its policy
/// connections too, and closes them after <see cref="MaxIdle"/> idle or <see cref="MaxAge"/> in all).</summary>
/// <remarks>At most <see cref="MaxConnections"/> requests are in flight at once; more wait (within their time
/// limit) for a connection. A request that fails on a reused connection before any reply came back is sent
/// once more on a new one: the server may have closed the idle connection just as we picked it.</remarks>
public sealed class PolicyServerClient(PolicyServerAddress address, TimeProvider time) : IDisposable
{
    /// <summary>Requests in flight at once, and so connections open at most.</summary>
    public const int MaxConnections = 16;

    /// <summary>Postfix's smtpd_policy_service_max_idle and _max_ttl.</summary>
    public static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(300), MaxAge = TimeSpan.FromSeconds(1000);

    readonly Stack<PolicyServerConnection> _idle = new();
    readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    bool _disposed;

    public PolicyServerAddress Address { get; } = address;

    /// <summary>Connections opened so far (for tests: reuse means this stays at 1).</summary>
    public int Opened { get; private set; }

    /// <summary>Sends <paramref name="request"/> (the name=value lines and the empty line) and returns the reply's
    /// attributes, all within <paramref name="timeout"/>.</summary>
    /// <exception cref="PolicyServerException">No reply within the time limit, or no proper reply at all.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired.</exception>
    public async Task<Dictionary<string, string>> AskAsync(string request, TimeSpan timeout, CancellationToken cancellation)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(request);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout);
        bool slot = false;
        try
        {
            await _slots.WaitAsync(limit.Token);
            slot = true;
            for (int attempt = 1; ; attempt++)
            {
                PolicyServerConnection connection = TakeIdle() ?? await ConnectAsync(limit.Token);
                try
                {
                    Dictionary<string, string> reply = await connection.ExchangeAsync(bytes, limit.Token);
                    Return(connection);
                    return reply;
                }
                catch (Exception e) when (e is PolicyServerException or SocketException or IOException or ObjectDisposedException
                                              && !limit.IsCancellationRequested)
                {
                    connection.Dispose();
                    if (attempt == 1 && connection.Uses > 1 && !connection.ReplyStarted)
                        continue;
                    throw e as PolicyServerException ?? new PolicyServerException(Reason(e), e);
                }
                catch
                {
                    connection.Dispose();   // out of time in mid-request: the connection is out of step
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new PolicyServerException($"no reply within {timeout.TotalSeconds:0.###}s");
        }
        finally
        {
            if (slot)
                _slots.Release();
        }
    }

    async Task<PolicyServerConnection> ConnectAsync(CancellationToken cancellation)
    {
        try
        {
            PolicyServerConnection connection = await PolicyServerConnection.ConnectAsync(Address, time.GetUtcNow().UtcDateTime, cancellation);
            lock (_idle)
                Opened++;
            return connection;
        }
        catch (SocketException e)
        {
            // .NET reports a missing unix socket as "Cannot assign requested address".
            string reason = Address.UnixPath is { } path && !File.Exists(path) ? "No such file or directory" : Reason(e);
            throw new PolicyServerException($"cannot connect: {reason}", e);
        }
    }

    PolicyServerConnection? TakeIdle()
    {
        DateTime now = time.GetUtcNow().UtcDateTime;
        lock (_idle)
        {
            while (_idle.TryPop(out PolicyServerConnection? connection))
            {
                if (now - connection.LastUsed < MaxIdle && now - connection.Opened < MaxAge)
                    return connection;
                connection.Dispose();
            }
        }
        return null;
    }

    void Return(PolicyServerConnection connection)
    {
        connection.LastUsed = time.GetUtcNow().UtcDateTime;
        lock (_idle)
        {
            if (!_disposed && _idle.Count < MaxConnections)
            {
                _idle.Push(connection);
                return;
            }
        }
        connection.Dispose();
    }

    static string Reason(Exception e) => e.Message;   // "Connection refused", "No such file or directory"

    public void Dispose()
    {
        lock (_idle)
        {
            _disposed = true;
            while (_idle.TryPop(out PolicyServerConnection? connection))
                connection.Dispose();
        }
    }
}
