using Postmaster.EndToEnd.Support;

namespace Postmaster.EndToEnd.Spf;

/// <summary>dnsmasq with one sender domain per SPF result, for the daemon's <c>dns-servers</c>. The designated
/// senders are 192.0.2.0/24 and 2001:db8::/32, where <see cref="ClientNamespace"/> puts its clients.</summary>
public sealed class SpfZone : IDisposable
{
    readonly DnsmasqProcess _dnsmasq = DnsmasqProcess.Start("probe.test",
        "--host-record=probe.test,203.0.113.1",
        "--txt-record=pass.test,v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all",
        "--txt-record=fail.test,v=spf1 -all",
        "--txt-record=softfail.test,v=spf1 ~all",
        "--txt-record=neutral.test,v=spf1 ?all",
        "--host-record=nospf.test,203.0.113.30",
        "--txt-record=broken.test,v=spf1 foo:bar -all",
        // Forwarded to a port where nobody listens: dnsmasq never answers for this domain.
        "--server=/temperror.test/127.0.0.1#9",
        "--txt-record=mail.helo.test,v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all",
        "--txt-record=bad.helo.test,v=spf1 -all");

    /// <summary>The <c>dns-servers</c> setting that points at this zone.</summary>
    public string Setting => $"dns-servers 127.0.0.1:{_dnsmasq.Port}";

    public string Log => _dnsmasq.Log;

    public void Dispose() => _dnsmasq.Dispose();
}
