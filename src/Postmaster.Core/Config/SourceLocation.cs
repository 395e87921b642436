namespace Postmaster.Config;

/// <summary>A place in a configuration file, 1-based; printed the way compilers do, <c>file:line:column</c>.</summary>
/// <remarks>Line 0 means the file as a whole (it could not be opened, say) and prints as the bare file name.</remarks>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public static SourceLocation WholeFile(string file) => new(file, 0, 0);

    public override string ToString() => Line == 0 ? File : $"{File}:{Line}:{Column}";

    /// <summary><c>file:line</c>, for showing which rule was used (the column adds nothing there).</summary>
    public string FileAndLine => Line == 0 ? File : $"{File}:{Line}";
}
