namespace Postmaster.Config;

/// <summary>"Did you mean" hints for misspelt setting and mailer names.</summary>
internal static class Spelling
{
    /// <summary>The candidate closest to <paramref name="word"/> (ignoring case) within <paramref name="maxDistance"/>
    /// edits, the first one listed on a tie; <c>null</c> when none is that close.</summary>
    public static string? Closest(string word, IEnumerable<string> candidates, int maxDistance = 2)
    {
        string folded = word.ToLowerInvariant();
        string? best = null;
        int bestDistance = maxDistance + 1;
        foreach (string candidate in candidates)
        {
            if (Math.Abs(candidate.Length - folded.Length) > maxDistance)
                continue;   // cannot be close; also keeps the table small for a long garbage word
            int distance = Distance(folded, candidate);
            if (distance < bestDistance)
                (best, bestDistance) = (candidate, distance);
        }
        return best;
    }

    /// <summary>" did you mean" suffix for an error message, or an empty string.</summary>
    public static string Hint(string word, IEnumerable<string> candidates) =>
        Closest(word, candidates) is { } suggestion ? $"; did you mean \"{suggestion}\"?" : "";

    /// <summary>Optimal string alignment distance: Levenshtein plus the swap of two neighbours ("lsiten").</summary>
    static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
