using System.Net.Sockets;
using System.Text;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Submission;

/// <summary>The few SMTP commands <c>sendmail</c> needs, spoken to the daemon over its Unix socket: one command,
/// one reply, no pipelining (the socket is local, and a refused recipient must stop the rest).</summary>
internal sealed class SubmissionClient : IAsyncDisposable
{
    /// <summary>RFC 5321 §4.5.3.2: the client's time limits; ours are shorter for the rest, as the server is local.</summary>
    static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2), DataEndTimeout = TimeSpan.FromMinutes(10);

    /// <summary>A reply line longer than this is a broken server (RFC 5321 §4.5.3.1.5 allows 512).</summary>
    const int MaxReplyLine = 4096;

    readonly Stream _stream;
    readonly BufferedStream _output;
    readonly byte[] _input = new byte[8192];
    int _start, _end;

    SubmissionClient(Stream stream)
    {
        _stream = stream;
        _output = new BufferedStream(stream, 64 * 1024);
    }

    /// <summary>Connects to the daemon's socket.</summary>
    /// <exception cref="SocketException">No daemon there: ENOENT (no socket file), ECONNREFUSED (a stale one),
    /// EACCES (no way through the directories).</exception>
    public static async Task<SubmissionClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new SubmissionClient(new NetworkStream(socket, ownsSocket: true));
    }

    public Task<Reply> ReadGreetingAsync(CancellationToken cancellationToken) => ReadReplyAsync(CommandTimeout, cancellationToken);

    /// <summary>Sends one command line (CRLF added) and reads its reply.</summary>
    public async Task<Reply> CommandAsync(string command, CancellationToken cancellationToken)
    {
        await _output.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"), cancellationToken);
        await _output.FlushAsync(cancellationToken);
        return await ReadReplyAsync(CommandTimeout, cancellationToken);
    }

    /// <summary>After 354: the message, dot-stuffed (RFC 5321 §4.5.2), then CRLF "." CRLF; returns the final reply.</summary>
    /// <param name="content">CRLF lines ending with CRLF, as <see cref="MessagePreparer"/> writes them.</param>
    public async Task<Reply> SendDataAsync(Stream content, CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[64 * 1024];
        bool lineStart = true;
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken)) > 0)
        {
            int from = 0;
            for (int i = 0; i < read; i++)
            {
                if (lineStart && chunk[i] == (byte)'.')
                {
                    await _output.WriteAsync(chunk.AsMemory(from, i - from), cancellationToken);
                    _output.WriteByte((byte)'.');       // the line's own dot follows from position i
                    from = i;
                }
                lineStart = chunk[i] == (byte)'\n';
            }
            await _output.WriteAsync(chunk.AsMemory(from, read - from), cancellationToken);
        }
        await _output.WriteAsync(".\r\n"u8.ToArray(), cancellationToken);
        await _output.FlushAsync(cancellationToken);
        return await ReadReplyAsync(DataEndTimeout, cancellationToken);
    }

    /// <summary>Reads one reply, all its lines (RFC 5321 §4.2.1), and splits off the enhanced status code
    /// (RFC 2034 §4) when the first line has one.</summary>
    /// <exception cref="IOException">The connection closed or the reply is not SMTP.</exception>
    async Task<Reply> ReadReplyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var lines = new List<string>();
        int code;
        while (true)
        {
            string line;
            try
            {
                line = await ReadLineAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"no reply from the daemon within {timeout.TotalSeconds:0} seconds");
            }
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out code) || code < 200 || code > 599
                || line.Length > 3 && line[3] is not (' ' or '-'))
                throw new IOException($"not an SMTP reply: \"{line}\"");
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ')
                break;
        }
        string status = EnhancedStatus(lines[0], code);
        if (status.Length > 0)
            lines = [.. lines.Select(l => l.StartsWith(status, StringComparison.Ordinal) ? l[status.Length..].TrimStart() : l)];
        return new Reply((short)code, status, string.Join('\n', lines));
    }

    /// <summary>RFC 3463 <c>class.subject.detail</c>, its class matching the reply's first digit; "" when absent.</summary>
    internal static string EnhancedStatus(string text, int code)
    {
        int end = text.IndexOf(' ');
        string word = end < 0 ? text : text[..end];
        string[] parts = word.Split('.');
        bool valid = parts.Length == 3 && parts[0].Length == 1 && parts[0][0] == (char)('0' + code / 100)
            && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
        return valid ? word : "";
    }

    async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_input, cancellationToken);
                if (_end == 0)
                    throw new IOException("the daemon closed the connection");
            }
            int newline = Array.IndexOf(_input, (byte)'\n', _start, _end - _start);
            int stop = newline < 0 ? _end : newline;
            line.Append(Encoding.UTF8.GetString(_input, _start, stop - _start));
            _start = newline < 0 ? _end : newline + 1;
            if (line.Length > MaxReplyLine)
                throw new IOException("reply line too long");
            if (newline >= 0)
                return line.ToString().TrimEnd('\r');
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _output.DisposeAsync();
        }
        catch (IOException)
        {
            // The daemon went away first; nothing left to say to it.
        }
        await _stream.DisposeAsync();
    }
}
