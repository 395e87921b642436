using System.Collections.Immutable;
using System.Net;
using System.Text;
using Postmaster.Mail;
using Postmaster.Smtp.Client;
using Postmaster.Smtp.Protocol;
using Xunit;

namespace Postmaster.Tests.Smtp.Client;

/// <summary>Options, messages and connections for the client tests.</summary>
internal static class ClientHarness
{
    public const string Sender = "alice@example.org";

    public static SmtpClientOptions Options(TlsPolicy tls = TlsPolicy.Opportunistic) =>
        new("client.example.org") { Tls = tls, Timeouts = ClientTimeouts.All(TimeSpan.FromSeconds(20)) };

    public static string Text(string subject, string body) =>
        $"From: Alice <{Sender}>\r\nTo: bob@example.net\r\nSubject: {subject}\r\nMessage-ID: <{subject.Replace(' ', '-')}@example.org>\r\n\r\n{body}";

    /// <summary>A transaction over the content in memory; 8-bit content is declared as such.</summary>
    public static MessageTransaction Message(string content, params string[] recipients) => Message(Encoding.UTF8.GetBytes(content), recipients);

    public static MessageTransaction Message(byte[] content, params string[] recipients)
    {
        bool eightBit = content.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xff) >= 0;
        return new MessageTransaction(Mailbox.Parse(Sender), [.. recipients.Select(Mailbox.Parse)], new MemoryStream(content),
            content.Length, eightBit ? BodyType.EightBitMime : BodyType.SevenBit);
    }

    public static async Task<SmtpRelayClient> ConnectAsync(IPEndPoint endPoint, SmtpClientOptions? options = null, string? serverName = null)
    {
        var client = new SmtpRelayClient(options ?? Options());
        ConnectResult result = await client.ConnectAsync(endPoint, serverName, CancellationToken.None);
        Assert.True(result.IsConnected, result.ToString());
        return client;
    }

    public static async Task<ConnectResult> TryConnectAsync(IPEndPoint endPoint, SmtpClientOptions options, string? serverName = null)
    {
        await using var client = new SmtpRelayClient(options);
        return await client.ConnectAsync(endPoint, serverName, CancellationToken.None);
    }

    /// <summary>Each result as its canonical one-line form, e.g. <c>failed 5.1.1 550 5.1.1 ...</c>.</summary>
    public static string[] Show(ImmutableArray<Postmaster.Delivery.DeliveryResult> results) => [.. results.Select(r => r.ToString())];
}
