using System.Runtime.InteropServices;

namespace Postmaster.Spf.Native;

/// <summary><c>SPF_dns_rr_t</c> of spf_dns_rr.h: the answer to one lookup, allocated and freed by libspf2.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SpfDnsRecord
{
    public byte* Domain;
    public nuint DomainBufferLength;
    public int Type;
    public int Count;
    /// <summary>One buffer per answer: 4 bytes (A), 16 (AAAA), or a NUL-terminated string (MX, PTR, TXT).</summary>
    public byte** Answers;
    public nuint* AnswerBufferLengths;
    public int AnswerBufferCount;
    public long Ttl;
    public long UtcTtl;
    public int Herrno;
    /// <summary>Freed with free() by libspf2 when not NULL: leave it alone.</summary>
    public nint Hook;
    public SpfDnsServer* Source;
}
