using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Postmaster.Delivery;
using Xunit;

namespace Postmaster.Tests.Delivery;

/// <summary>DSNs parsed back by another implementation: Python's email package with its strict modern policy.</summary>
public sealed class DsnPythonTests
{
    // Reads a DSN on stdin and prints what a mail client would see, as JSON.
    const string Script = """
        import email, email.policy, json, sys
        m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
        parts = list(m.iter_parts())
        out = {
            "type": m.get_content_type(),
            "reportType": m.get_param("report-type"),
            "headers": {k: str(v) for k, v in m.items()},
            "defects": [f"{p.get_content_type()}: {d!r}" for p in m.walk() for d in p.defects],
            "parts": [p.get_content_type() for p in parts],
            "text": parts[0].get_content(),
            "groups": [{k: str(v) for k, v in g.items()} for g in parts[1].get_payload()],
        }
        if parts[2].get_content_type() == "message/rfc822":
            inner = parts[2].get_payload()[0]
            out["original"] = {"subject": str(inner["Subject"]), "messageId": str(inner["Message-ID"]), "body": inner.get_content()}
        else:
            out["original"] = {"headers": parts[2].get_content()}
        print(json.dumps(out))
        """;

    public static TheoryData<DsnKind, int> Cases => DsnBuilderTests.Cases;

    [Theory, MemberData(nameof(Cases))]
    public void PythonReadsTheReport(DsnKind kind, int count)
    {
        (byte[] bytes, string messageId) = DsnBuilderTests.Build(kind, DsnBuilderTests.Recipients(count));
        JsonElement dsn = ParseWithPython(bytes);

        Assert.Equal("multipart/report", dsn.GetProperty("type").GetString());
        Assert.Equal("delivery-status", dsn.GetProperty("reportType").GetString());
        Assert.Empty(dsn.GetProperty("defects").EnumerateArray());
        JsonElement headers = dsn.GetProperty("headers");
        Assert.Equal("Mail Delivery System <MAILER-DAEMON@mx.example.test>", headers.GetProperty("From").GetString());
        Assert.Equal("alice@example.org", headers.GetProperty("To").GetString());
        Assert.Equal("auto-replied", headers.GetProperty("Auto-Submitted").GetString());
        Assert.Equal($"<{messageId}>", headers.GetProperty("Message-Id").GetString());
        Assert.Equal(["text/plain", "message/delivery-status", "message/rfc822"], Strings(dsn.GetProperty("parts")));
        Assert.Contains("<bob@example.net> (originally <robert@example.net>): 550 5.1.1", dsn.GetProperty("text").GetString());

        JsonElement[] groups = [.. dsn.GetProperty("groups").EnumerateArray()];
        Assert.Equal(1 + count, groups.Length);
        Assert.Equal("dns; mx.example.test", groups[0].GetProperty("Reporting-MTA").GetString());
        Assert.Equal("1KJMF592002W1S", groups[0].GetProperty("X-Postmaster-Queue-ID").GetString());
        Assert.Equal("Sun, 01 Mar 2026 10:30:00 +0000", groups[0].GetProperty("Arrival-Date").GetString());
        Assert.Equal("rfc822; bob@example.net", groups[1].GetProperty("Final-Recipient").GetString());
        Assert.Equal("rfc822; robert@example.net", groups[1].GetProperty("Original-Recipient").GetString());
        Assert.Equal(kind == DsnKind.Failure ? "failed" : "delayed", groups[1].GetProperty("Action").GetString());
        Assert.Equal("5.1.1", groups[1].GetProperty("Status").GetString());
        Assert.Equal("smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown", groups[1].GetProperty("Diagnostic-Code").GetString());
        Assert.Equal("dns; mx.example.net", groups[1].GetProperty("Remote-MTA").GetString());
        Assert.Equal(kind == DsnKind.Delay, groups[1].TryGetProperty("Will-Retry-Until", out _));
        if (count == 3)
            Assert.Equal(@"utf-8; j\x{F6}rg@xn--bcher-kva.example", groups[3].GetProperty("Final-Recipient").GetString());

        JsonElement original = dsn.GetProperty("original");
        Assert.Equal("Lunch", original.GetProperty("subject").GetString());
        Assert.Equal("<lunch-1@example.org>", original.GetProperty("messageId").GetString());
        Assert.Equal("See you at noon.\r\n", original.GetProperty("body").GetString());   // as sent: CRLF
    }

    [Fact]
    public void PythonSeesOnlyTheHeadersOfALargeOriginal()
    {
        string large = DsnBuilderTests.OriginalText + string.Concat(Enumerable.Repeat(new string('z', 78) + "\r\n", 200 * 1024 / 80));
        JsonElement dsn = ParseWithPython(DsnBuilderTests.Build(DsnKind.Failure, DsnBuilderTests.Recipients(1), large).Bytes);

        Assert.Empty(dsn.GetProperty("defects").EnumerateArray());
        Assert.Equal(["text/plain", "message/delivery-status", "text/rfc822-headers"], Strings(dsn.GetProperty("parts")));
        string headers = dsn.GetProperty("original").GetProperty("headers").GetString()!;
        Assert.Contains("Subject: Lunch", headers);
        Assert.Contains("Message-ID: <lunch-1@example.org>", headers);
        Assert.DoesNotContain("zzzz", headers);
    }

    [Fact]
    public void PythonSeesNoInjectedHeader()
    {
        DsnRecipient evil = DsnBuilderTests.Bob with { Diagnostic = "550 5.1.1 unknown\r\nX-Injected: yes\r\n\r\nBcc: mallory@example.net ünïcödé" };
        JsonElement dsn = ParseWithPython(DsnBuilderTests.Build(DsnKind.Failure, [evil, DsnBuilderTests.Carol]).Bytes);

        Assert.Empty(dsn.GetProperty("defects").EnumerateArray());
        Assert.False(dsn.GetProperty("headers").TryGetProperty("X-Injected", out _));
        JsonElement[] groups = [.. dsn.GetProperty("groups").EnumerateArray()];
        Assert.Equal(3, groups.Length);
        Assert.False(groups[1].TryGetProperty("X-Injected", out _));
        Assert.False(groups[1].TryGetProperty("Bcc", out _));
        Assert.Equal("smtp; 550 5.1.1 unknown X-Injected: yes Bcc: mallory@example.net ünïcödé", groups[1].GetProperty("Diagnostic-Code").GetString());
        Assert.Equal("rfc822; carol@example.org", groups[2].GetProperty("Final-Recipient").GetString());
    }

    static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString() ?? "")];

    static JsonElement ParseWithPython(byte[] dsn)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        using Process python = Process.Start(start)!;
        Task<string> stdout = python.StandardOutput.ReadToEndAsync();
        Task<string> stderr = python.StandardError.ReadToEndAsync();
        python.StandardInput.BaseStream.Write(dsn);
        python.StandardInput.Close();
        Assert.True(python.WaitForExit(30_000), "python3 did not finish");
        Assert.True(python.ExitCode == 0, stderr.Result);
        return JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }
}
