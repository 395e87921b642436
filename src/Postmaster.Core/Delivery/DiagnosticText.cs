using System.Text;

namespace Postmaster.Delivery;

/// <summary>Makes text from outside (a command's stderr, an errno message) fit one log line and one DSN field.</summary>
internal static class DiagnosticText
{
    /// <summary>The default bound for text taken from a command's output (Postfix's pipe keeps a similar amount).</summary>
    public const int MaxOutputBytes = 500;

    /// <summary>Control characters (CR, LF, TAB, ...) become single spaces, runs of white space collapse, the
    /// ends are trimmed; at most <paramref name="maxLength"/> characters are kept, with "..." when cut.</summary>
    public static string OneLine(string? text, int maxLength = 1000)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        var result = new StringBuilder(Math.Min(text.Length, maxLength + 3));
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                space = result.Length > 0;
                continue;
            }
            if (space)
            {
                result.Append(' ');
                space = false;
            }
            result.Append(c);
            if (result.Length >= maxLength)
            {
                result.Append("...");
                break;
            }
        }
        return result.ToString();
    }

    /// <summary><c>600 s</c>, <c>1.5 s</c>, <c>500 ms</c>: a time limit in a diagnostic.</summary>
    public static string Duration(TimeSpan span) =>
        span.TotalSeconds >= 1
            ? span.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " s"
            : span.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms";

    /// <summary>Decodes at most <paramref name="maxBytes"/> of a program's output (UTF-8, invalid bytes
    /// replaced) and makes it <see cref="OneLine"/>.</summary>
    public static string FromOutput(ReadOnlySpan<byte> output, int maxBytes = MaxOutputBytes)
    {
        ReadOnlySpan<byte> kept = output.Length > maxBytes ? output[..maxBytes] : output;
        return OneLine(Encoding.UTF8.GetString(kept));
    }
}
