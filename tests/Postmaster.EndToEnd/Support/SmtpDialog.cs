using System.Net.Sockets;
using System.Text;

namespace Postmaster.EndToEnd.Support;

/// <summary>A raw SMTP client over a socket, for dialogues no well-behaved client library would send
/// (pipelined bursts, bare line endings, smuggling attempts).</summary>
public sealed class SmtpDialog : IAsyncDisposable
{
    readonly TcpClient _client = new();
    NetworkStream _stream = null!;
    string _pending = "";

    public List<string> Transcript { get; } = [];

    public static async Task<SmtpDialog> ConnectAsync(int port, string host = "127.0.0.1")
    {
        var dialog = new SmtpDialog();
        await dialog._client.ConnectAsync(host, port);
        dialog._stream = dialog._client.GetStream();
        return dialog;
    }

    public Task SendAsync(string text) => SendBytesAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendBytesAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Reads whole replies (a multi-line reply counts once) and returns the last line of each.</summary>
    public async Task<string[]> ReadRepliesAsync(int count)
    {
        var replies = new List<string>();
        var buffer = new byte[8192];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (replies.Count < count)
        {
            int newline = _pending.IndexOf("\r\n", StringComparison.Ordinal);
            if (newline >= 0)
            {
                string line = _pending[..newline];
                _pending = _pending[(newline + 2)..];
                Transcript.Add(line);
                if (line.Length < 4 || line[3] != '-')
                    replies.Add(line);
                continue;
            }
            int read = await _stream.ReadAsync(buffer, limit.Token);
            if (read == 0)
                throw new EndOfStreamException($"closed after {replies.Count} of {count} replies: {string.Join(" | ", Transcript)}");
            _pending += Encoding.UTF8.GetString(buffer, 0, read);
        }
        return [.. replies];
    }

    public async Task<int[]> ReadReplyCodesAsync(int count) => [.. (await ReadRepliesAsync(count)).Select(r => int.Parse(r[..3]))];

    /// <summary>Whether the server closes the connection within the time limit (reading away anything left).</summary>
    public async Task<bool> ServerClosesAsync(TimeSpan? limit = null)
    {
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                int read = await _stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                    return true;
                _pending += Encoding.UTF8.GetString(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;   // reset by the server
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
