using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Postmaster.Policy.Delegation;

/// <summary>One connection to a policy server, used for one request at a time and kept for the next
/// (Postfix keeps its policy connections open too).</summary>
internal sealed class PolicyServerConnection : IDisposable
{
    /// <summary>Bounds on a reply: a server that sends more is out of protocol.</summary>
    const int MaxReply = 16 * 1024, MaxLines = 100;

    readonly Socket _socket;
    readonly byte[] _buffer = new byte[4096];

    PolicyServerConnection(Socket socket, DateTime opened)
    {
        _socket = socket;
        Opened = LastUsed = opened;
    }

    public DateTime Opened { get; }

    public DateTime LastUsed { get; set; }

    /// <summary>Requests done on it; 0 for a fresh connection.</summary>
    public int Uses { get; private set; }

    /// <summary>Whether any byte of a reply came back in the last exchange. When none did on a reused connection,
    /// the server most likely closed it while it was idle, and the request may be sent again on a new one.</summary>
    public bool ReplyStarted { get; private set; }

    public static async Task<PolicyServerConnection> ConnectAsync(PolicyServerAddress address, DateTime now,
        CancellationToken cancellation)
    {
        Socket socket = address.UnixPath is not null
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            EndPoint endpoint = address.UnixPath is not null ? new UnixDomainSocketEndPoint(address.UnixPath)
                : IPAddress.TryParse(address.Host, out IPAddress? ip) ? new IPEndPoint(ip, address.Port)
                : new DnsEndPoint(address.Host!, address.Port);
            await socket.ConnectAsync(endpoint, cancellation);
            if (address.UnixPath is null)
                socket.NoDelay = true;   // one small request, one small reply: no Nagle delay
            return new PolicyServerConnection(socket, now);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="request"/> and reads the reply up to its empty line.</summary>
    /// <returns>The reply's attributes.</returns>
    /// <exception cref="PolicyServerException">The reply is out of protocol, or the server closed the connection.</exception>
    public async Task<Dictionary<string, string>> ExchangeAsync(byte[] request, CancellationToken cancellation)
    {
        Uses++;
        ReplyStarted = false;
        for (int sent = 0; sent < request.Length;)
            sent += await _socket.SendAsync(request.AsMemory(sent), SocketFlags.None, cancellation);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var line = new List<byte>(128);
        int total = 0, lines = 0;
        while (true)
        {
            int read = await _socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None, cancellation);
            if (read == 0)
                throw new PolicyServerException(total == 0 ? "closed the connection without a reply" : "closed the connection in the middle of a reply");
            ReplyStarted = true;
            total += read;
            if (total > MaxReply)
                throw new PolicyServerException($"reply longer than {MaxReply} bytes");
            for (int i = 0; i < read; i++)
            {
                if (_buffer[i] != (byte)'\n')
                {
                    line.Add(_buffer[i]);
                    continue;
                }
                if (line.Count > 0 && line[^1] == '\r')
                    line.RemoveAt(line.Count - 1);
                if (line.Count == 0)
                {
                    // Anything after the empty line would be read as the next request's reply: out of step.
                    if (i != read - 1)
                        throw new PolicyServerException("sent more after the end of its reply");
                    return attributes;
                }
                if (++lines > MaxLines)
                    throw new PolicyServerException($"reply with more than {MaxLines} lines");
                string text = Encoding.UTF8.GetString([.. line]);
                int equals = text.IndexOf('=');
                if (equals <= 0)
                    throw new PolicyServerException($"reply line without name=value: \"{Shorten(text)}\"");
                attributes[text[..equals]] = text[(equals + 1)..];
                line.Clear();
            }
        }
    }

    static string Shorten(string text) => text.Length > 100 ? text[..100] + "..." : text;

    public void Dispose() => _socket.Dispose();
}
