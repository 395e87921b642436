using Postmaster.Tests.Dns;

namespace Postmaster.Tests.Spf;

/// <summary>dnsmasq serving the SPF records the SPF tests check against, one domain per result. Clients in
/// 192.0.2.0/24 and 2001:db8::/32 are the designated senders; anything else is not.</summary>
public sealed class SpfDnsmasq() : Dnsmasq(Records, "probe.test")
{
    static readonly string[] Records =
    [
        "--host-record=probe.test,203.0.113.1",
        "--txt-record=pass.test,v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all",
        "--txt-record=fail.test,v=spf1 -all",
        "--txt-record=softfail.test,v=spf1 ~all",
        "--txt-record=neutral.test,v=spf1 ?all",
        // A name with an address but no TXT record, and one with TXT records that are not SPF: both "none".
        "--host-record=nospf.test,203.0.113.30",
        "--txt-record=other.test,google-site-verification=abc",
        // Records that do not compile, and two records: permerror (RFC 7208 §4.5, §4.6).
        "--txt-record=broken.test,v=spf1 foo:bar -all",
        "--txt-record=badip.test,v=spf1 ip4:999.1.1.1 -all",
        "--txt-record=two.test,v=spf1 -all",
        "--txt-record=two.test,v=spf1 +all",
        "--txt-record=includesnothing.test,v=spf1 include:nospf.test -all",
        // mx, a and include mechanisms, resolved through further queries.
        "--txt-record=mechanisms.test,v=spf1 mx a:host.mechanisms.test include:pass.test -all",
        "--mx-host=mechanisms.test,mail.mechanisms.test,10",
        "--host-record=mail.mechanisms.test,203.0.113.20",
        "--host-record=host.mechanisms.test,203.0.113.21,2001:db8:1::21",
        "--txt-record=v6only.test,v=spf1 a:host.mechanisms.test -all",
        // One TXT record in two strings (dnsmasq splits at the comma): joined as they are (RFC 7208 §3.3).
        "--txt-record=split.test,v=spf1 ip4:192.0.2.0/24 ,-all",
        // A macro that puts the sender's local part into a DNS name (RFC 7208 §7): names DNS may not carry.
        "--txt-record=exists.test,v=spf1 exists:%{l}.exists.test -all",
        // HELO names (RFC 7208 §2.3): one that allows only 192.0.2.2, one that fails everybody.
        "--txt-record=mail.helo.test,v=spf1 ip4:192.0.2.2 -all",
        "--txt-record=bad.helo.test,v=spf1 -all",
    ];
}
