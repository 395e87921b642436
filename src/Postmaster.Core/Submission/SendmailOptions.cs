using System.Collections.Immutable;

namespace Postmaster.Submission;

/// <summary>What a <c>sendmail</c> command line asks for, after <see cref="SendmailArguments"/> has read it.</summary>
/// <param name="ExtractRecipients"><c>-t</c>: recipients from To/Cc/Bcc as well as the command line.</param>
/// <param name="IgnoreDots"><c>-i</c>, <c>-oi</c>: a line with a single "." is data, not the end of input.</param>
/// <param name="Sender"><c>-f</c>/<c>-r</c> as given (<c>""</c> or <c>&lt;&gt;</c>: the null sender); null: the
/// invoking user.</param>
/// <param name="FullName"><c>-F</c>: the name for a From: field we add.</param>
/// <param name="ConfigPath"><c>-C FILE</c>: the configuration file, overriding <c>-c</c>.</param>
/// <param name="Recipients">The operands, each an address or a comma-separated list of them.</param>
/// <param name="Mode">What to do instead of sending, for the few <c>-b</c> modes with a meaning here.</param>
public sealed record SendmailOptions(
    bool ExtractRecipients,
    bool IgnoreDots,
    string? Sender,
    string? FullName,
    string? ConfigPath,
    ImmutableArray<string> Recipients,
    SendmailMode Mode = SendmailMode.Send);
