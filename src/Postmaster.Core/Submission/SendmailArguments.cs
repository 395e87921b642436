using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Postmaster.Submission;

/// <summary>Reads a sendmail command line the way Postfix's sendmail(1) does (getopt: bundled flags, option
/// arguments attached or separate, options end at the first operand or at <c>--</c>).</summary>
/// <remarks>Programs call sendmail with whatever their authors' sendmail took, so the options of Sendmail and
/// Postfix that mean nothing here are accepted and ignored, as Postfix ignores them; only the ones that
/// would do something we do not do (<c>-bs</c>, <c>-bp</c>, <c>-q</c>) are refused.</remarks>
public static class SendmailArguments
{
    /// <summary>Options that take an argument; those not handled below are read and ignored
    /// (-A -B -L -N -O -R -V -X -e -h -p: submission file, body type, syslog label, DSN, return, envid ...).</summary>
    const string WithArgument = "ABCFLNORVXbefhopr";

    /// <summary>Flags that change nothing here: -G gateway, -U initial submission, -m me too, -n no aliasing,
    /// -v verbose, -x trace, -c (Postfix: no-op).</summary>
    const string IgnoredFlags = "GUcmnvx";

    public const string Usage =
        "Usage: postmaster sendmail [-t] [-i] [-oi] [-f ADDR] [-F NAME] [--] [RCPT ...]\n" +
        "Reads a message from standard input and queues it for delivery.\n" +
        "  -t          also send to the addresses in To:, Cc: and Bcc: (Bcc: is removed)\n" +
        "  -i, -oi     a line with a single \".\" does not end the message\n" +
        "  -f ADDR     envelope sender (default: the invoking user @ hostname; -f '<>' for none)\n" +
        "  -F NAME     full name for the From: field added when the message has none\n" +
        "  -C FILE     configuration file (like postmaster -c)\n" +
        "Other Sendmail/Postfix options (-odi, -odb, -oem, -B, -N, -R, -v ...) are accepted and ignored.\n" +
        "Exit status: 0 queued, 64 usage, 65 bad message, 67 recipient refused, 75 try later, 78 configuration.\n";

    public static bool TryParse(IReadOnlyList<string> arguments, [NotNullWhen(true)] out SendmailOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        options = null;
        error = null;
        bool extract = false, ignoreDots = false;
        string? sender = null, fullName = null, configPath = null;
        SendmailMode mode = SendmailMode.Send;

        int index = 0;
        for (; index < arguments.Count; index++)
        {
            string token = arguments[index];
            if (token == "--")
            {
                index++;
                break;
            }
            if (token == "--help")
            {
                mode = SendmailMode.Help;
                continue;
            }
            if (token.Length < 2 || token[0] != '-')
                break;                                          // the first operand ends the options
            if (token[1] == '-')
                return Fail($"unknown option {token}", out error);

            for (int at = 1; at < token.Length; at++)
            {
                char letter = token[at];
                if (WithArgument.Contains(letter))
                {
                    string value;
                    if (at + 1 < token.Length)
                        value = token[(at + 1)..];
                    else if (index + 1 < arguments.Count)
                        value = arguments[++index];
                    else
                        return Fail($"option -{letter} needs an argument", out error);

                    switch (letter)
                    {
                        case 'f' or 'r':
                            sender = value;
                            break;
                        case 'F':
                            fullName = value;
                            break;
                        case 'C':
                            configPath = value;
                            break;
                        case 'o' when value == "i":
                            ignoreDots = true;
                            break;
                        case 'b' when value is "m":
                            break;
                        case 'b' when value is "i":
                            mode = SendmailMode.NewAliases;
                            break;
                        case 'b' when value is "p":
                            return Fail("-bp is not supported: use postmaster spool list", out error);
                        case 'b':
                            return Fail($"-b{value} is not supported (only -bm)", out error);
                    }
                    break;                                      // the rest of the token was the argument
                }
                switch (letter)
                {
                    case 't':
                        extract = true;
                        break;
                    case 'i':
                        ignoreDots = true;
                        break;
                    case 'I':
                        mode = SendmailMode.NewAliases;
                        break;
                    case 'q':
                        return Fail("-q is not supported: use postmaster spool run", out error);
                    default:
                        if (!IgnoredFlags.Contains(letter))
                            return Fail($"unknown option -{letter}", out error);
                        break;
                }
            }
        }

        options = new SendmailOptions(extract, ignoreDots, sender, fullName, configPath,
            [.. arguments.Skip(index)], mode);
        return true;
    }

    static bool Fail(string problem, out string error)
    {
        error = problem;
        return false;
    }
}
