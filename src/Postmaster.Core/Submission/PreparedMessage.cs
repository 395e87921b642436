using System.Collections.Immutable;
using Postmaster.Mail;

namespace Postmaster.Submission;

/// <summary>A message read from standard input and made ready to queue: the envelope and the content with
/// CRLF lines and the header fields sendmail adds or removes.</summary>
/// <param name="Sender">The envelope sender; null for the null sender (<c>-f '&lt;&gt;'</c>).</param>
/// <param name="Recipients">Qualified, each once, command line first.</param>
public sealed record PreparedMessage(Mailbox? Sender, ImmutableArray<Mailbox> Recipients, MessageBuffer Content) : IDisposable
{
    public void Dispose() => Content.Dispose();
}
