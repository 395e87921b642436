namespace Postmaster.Spf;

/// <summary>Whether libspf2 could be loaded, from which file, and if not, why (dlerror's words).</summary>
public sealed record SpfLibraryStatus(string File, nint Handle, string? Problem)
{
    public bool IsAvailable => Problem is null;

    public override string ToString() => IsAvailable ? $"{File} loaded" : $"unavailable: {Problem}";
}
