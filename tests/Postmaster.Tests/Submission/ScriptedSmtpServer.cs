using System.Net.Sockets;
using System.Text;

namespace Postmaster.Tests.Submission;

/// <summary>A Unix-socket SMTP server for one connection whose replies are scripted per command, recording
/// the commands and the raw DATA it got (dot-stuffing and all).</summary>
internal sealed class ScriptedSmtpServer : IAsyncDisposable
{
    readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    readonly Func<string, string> _reply;
    readonly Task _serving;

    /// <param name="reply">The reply (with CRLF, possibly several lines) to each command line; DATA's content
    /// is answered by the reply to the pseudo-command "."</param>
    public ScriptedSmtpServer(string path, Func<string, string> reply, string greeting = "220 test ESMTP\r\n")
    {
        _reply = reply;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
        _serving = ServeAsync(greeting);
    }

    public List<string> Commands { get; } = [];

    public string Data { get; private set; } = "";

    /// <summary>The usual replies of a daemon that accepts everything and queues as 0KX7M2C4J1QF.</summary>
    public static string Accepting(string command) => command switch
    {
        _ when command.StartsWith("EHLO") => "250-test Hello\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 1000000\r\n250 ENHANCEDSTATUSCODES\r\n",
        "DATA" => "354 End data with <CR><LF>.<CR><LF>\r\n",
        "." => "250 2.0.0 Ok: queued as 0KX7M2C4J1QF\r\n",
        "QUIT" => "221 2.0.0 Bye\r\n",
        _ => "250 2.0.0 Ok\r\n",
    };

    async Task ServeAsync(string greeting)
    {
        using Socket client = await _listener.AcceptAsync();
        await using var stream = new NetworkStream(client);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(greeting));
        while (await reader.ReadLineAsync() is { } line)
        {
            Commands.Add(line);
            string reply = _reply(line);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(reply));
            if (line == "QUIT")
                return;
            if (line == "DATA" && reply.StartsWith("354"))
            {
                var data = new StringBuilder();
                while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                    data.Append(dataLine).Append("\r\n");
                Data = data.ToString();
                await stream.WriteAsync(Encoding.UTF8.GetBytes(_reply(".")));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        try
        {
            await _serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
        }
    }
}
