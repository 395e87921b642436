using System.Net;
using System.Text.Json;
using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Spf;

/// <summary>SPF through the daemon binary, with clients in a network namespace on documentation addresses
/// (libspf2 lets every loopback client pass) and DNS from dnsmasq through the <c>dns-servers</c> setting.</summary>
public sealed class SpfDaemonTests(ClientNamespace network, SpfZone zone) : IClassFixture<ClientNamespace>, IClassFixture<SpfZone>
{
    /// <summary>One transaction with smtplib; prints the replies to MAIL, RCPT and DATA as JSON.</summary>
    const string ClientScript = """
        import json, smtplib, sys
        host, port, helo, sender = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        replies = {}
        with smtplib.SMTP(host, port, local_hostname=helo, timeout=30) as smtp:
            smtp.ehlo()
            for step, send in (("mail", lambda: smtp.mail(sender)), ("rcpt", lambda: smtp.rcpt("bob@example.org")),
                               ("data", lambda: smtp.data(b"Subject: spf\r\n\r\nhello\r\n"))):
                code, text = send()
                replies[step] = f"{code} {text.decode()}"
                if code >= 400:
                    break
        print(json.dumps(replies))
        """;

    Task<DaemonProcess> StartAsync(string settings = "", bool ipv6 = false)
    {
        Skip.If(network.SkipReason is not null, network.SkipReason);
        return DaemonProcess.StartAsync(extraSettings: $"{zone.Setting}\n{settings}",
            listen: port => ipv6 ? $"[{network.HostV6}]:{port}" : $"{network.HostV4}:{port}");
    }

    async Task<Dictionary<string, string>> SendAsync(DaemonProcess daemon, string sender, string helo = "client", bool ipv6 = false)
    {
        IPAddress server = ipv6 ? network.HostV6 : network.HostV4;
        ProcessResult result = await network.RunInsideAsync("/usr/bin/python3", "-c", ClientScript, server.ToString(),
            daemon.Port.ToString(), helo, sender);
        Assert.True(result.ExitCode == 0, result + daemon.Log);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(result.StandardOutput)!;
    }

    /// <summary>The one queued message's header fields up to our Received field.</summary>
    static string HeaderAboveReceived(DaemonProcess daemon)
    {
        string message = daemon.MessageText(Assert.Single(daemon.QueuedIds));
        int received = message.IndexOf("Received: from ", StringComparison.Ordinal);
        Assert.True(received >= 0, message);
        return message[..received];
    }

    [SkippableFact]
    public async Task TagsAPassingSenderAboveOurReceivedByDefault()
    {
        await using DaemonProcess daemon = await StartAsync();   // no spf setting: tag is the default

        Dictionary<string, string> replies = await SendAsync(daemon, "alice@pass.test");

        Assert.StartsWith("250 ", replies["data"]);
        Assert.Equal(
            $"Received-SPF: pass (mx.test.example: domain of alice@pass.test designates {network.ClientV4} as permitted sender)\r\n" +
            $"\tclient-ip={network.ClientV4}; envelope-from=\"alice@pass.test\"; helo=client;\r\n" +
            "\treceiver=mx.test.example; identity=mailfrom\r\n",
            HeaderAboveReceived(daemon));
        await daemon.WaitForLogAsync($"spf=pass identity=mailfrom domain=pass.test");
    }

    [SkippableTheory]
    [InlineData("alice@fail.test", "fail")]
    [InlineData("alice@softfail.test", "softfail")]
    [InlineData("alice@neutral.test", "neutral")]
    [InlineData("alice@nospf.test", "none")]
    [InlineData("alice@broken.test", "permerror")]
    public async Task TagAcceptsEveryResultAndSaysWhichInTheHeader(string sender, string result)
    {
        await using DaemonProcess daemon = await StartAsync("spf tag");

        Dictionary<string, string> replies = await SendAsync(daemon, sender);

        Assert.StartsWith("250 ", replies["data"]);
        Assert.StartsWith($"Received-SPF: {result} (mx.test.example: ", HeaderAboveReceived(daemon));
    }

    [SkippableFact]
    public async Task RejectRefusesAFailingSenderWith550_5_7_23()
    {
        await using DaemonProcess daemon = await StartAsync("spf reject");

        Dictionary<string, string> replies = await SendAsync(daemon, "alice@fail.test");

        Assert.Equal($"550 5.7.23 SPF check failed: domain of alice@fail.test does not designate {network.ClientV4} as permitted sender",
            replies["mail"]);
        Assert.Empty(daemon.QueuedIds);
        await daemon.WaitForLogAsync("policy=spf stage=mail verdict=reject");
    }

    [SkippableFact]
    public async Task RejectDefersWith451_4_7_24WhenDnsDoesNotAnswer()
    {
        await using DaemonProcess daemon = await StartAsync("spf reject");

        Dictionary<string, string> replies = await SendAsync(daemon, "alice@temperror.test");

        Assert.StartsWith("451 4.7.24 SPF check of alice@temperror.test failed temporarily", replies["mail"]);
        await daemon.WaitForLogAsync("spf=temperror identity=mailfrom domain=temperror.test");
    }

    [SkippableFact]
    public async Task RejectStillAcceptsASoftFailAndTagsIt()
    {
        await using DaemonProcess daemon = await StartAsync("spf reject");

        Dictionary<string, string> replies = await SendAsync(daemon, "alice@softfail.test");

        Assert.StartsWith("250 ", replies["data"]);
        Assert.StartsWith("Received-SPF: softfail (", HeaderAboveReceived(daemon));
    }

    [SkippableFact]
    public async Task RejectChecksTheHeloFirstAndForTheNullSender()
    {
        await using DaemonProcess daemon = await StartAsync("spf reject");

        Dictionary<string, string> bounce = await SendAsync(daemon, "", helo: "bad.helo.test");
        Dictionary<string, string> forged = await SendAsync(daemon, "alice@pass.test", helo: "bad.helo.test");

        Assert.StartsWith("550 5.7.23 SPF check failed: domain of bad.helo.test does not designate", bounce["mail"]);
        Assert.StartsWith("550 5.7.23 SPF check failed: domain of bad.helo.test ", forged["mail"]);
    }

    [SkippableFact]
    public async Task TagsBothIdentitiesWhenTheHeloIsADomain()
    {
        await using DaemonProcess daemon = await StartAsync();

        await SendAsync(daemon, "alice@pass.test", helo: "mail.helo.test");

        string header = HeaderAboveReceived(daemon);
        Assert.Matches(@"^Received-SPF: pass \(mx\.test\.example: domain of mail\.helo\.test designates [^\r]*\r\n\t[^\r]*\r\n\treceiver=mx\.test\.example; identity=helo\r\n" +
                       @"Received-SPF: pass \(mx\.test\.example: domain of alice@pass\.test designates [^\r]*\r\n\t[^\r]*\r\n\treceiver=mx\.test\.example; identity=mailfrom\r\n$", header);
    }

    [SkippableFact]
    public async Task ChecksIpv6Clients()
    {
        await using DaemonProcess daemon = await StartAsync("spf reject", ipv6: true);

        Dictionary<string, string> passed = await SendAsync(daemon, "alice@pass.test", ipv6: true);
        Dictionary<string, string> failed = await SendAsync(daemon, "alice@fail.test", ipv6: true);

        Assert.StartsWith("250 ", passed["data"]);
        Assert.Contains($"client-ip=\"{network.ClientV6}\";", HeaderAboveReceived(daemon));
        Assert.Equal($"550 5.7.23 SPF check failed: domain of alice@fail.test does not designate {network.ClientV6} as permitted sender",
            failed["mail"]);
    }

    [SkippableFact]
    public async Task DoesNotCheckTrustedClients()
    {
        await using DaemonProcess daemon = await StartAsync($"spf reject\ntrusted-networks {network.ClientV4}/32");

        Dictionary<string, string> replies = await SendAsync(daemon, "alice@fail.test");

        Assert.StartsWith("250 ", replies["data"]);
        Assert.DoesNotContain("Received-SPF", HeaderAboveReceived(daemon));
    }
}
