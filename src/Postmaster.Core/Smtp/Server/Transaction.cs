using Postmaster.Mail;
using Postmaster.Routing;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;

namespace Postmaster.Smtp.Server;

/// <summary>One mail transaction, from MAIL FROM to the end of DATA (or RSET).</summary>
/// <remarks>The message file in the spool's tmp/ exists from MAIL on, so every recipient line in the log
/// carries the queue id; disposing the transaction without a commit removes it.</remarks>
internal sealed class Transaction(IncomingMessage message, MailCommand mail, ServerSnapshot snapshot) : IAsyncDisposable
{
    public IncomingMessage Message { get; } = message;
    public Mailbox? Sender { get; } = mail.Sender;
    public BodyType Body { get; } = mail.Body;
    public long? AnnouncedSize { get; } = mail.Size;
    public ServerSnapshot Snapshot { get; } = snapshot;
    public List<(Mailbox Recipient, Resolution Resolution)> Recipients { get; } = [];

    /// <summary>Header fields the policies asked for (Received-SPF, PREPEND), written above our Received.</summary>
    public List<string> PolicyHeaders { get; } = [];

    public ValueTask DisposeAsync() => Message.DisposeAsync();
}
