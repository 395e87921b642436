using Postmaster.Spf;
using Xunit;

namespace Postmaster.Tests.Spf;

public sealed class SpfLibraryTests
{
    [Fact]
    public void FindsTheInstalledLibspf2BySoname()
    {
        SpfLibraryStatus status = SpfLibrary.Probe("libspf2.so.2");

        Assert.True(status.IsAvailable, status.Problem);
        Assert.NotEqual(0, status.Handle);
    }

    [Fact]
    public void SaysInOneLineWhyAMissingFileCannotBeLoaded()
    {
        SpfLibraryStatus status = SpfLibrary.Probe("/nonexistent/libspf2.so.2");

        Assert.False(status.IsAvailable);
        Assert.Equal("/nonexistent/libspf2.so.2: cannot open shared object file: No such file or directory", status.Problem);
    }

    [Fact]
    public void RefusesALibraryThatIsNotLibspf2()
    {
        SpfLibraryStatus status = SpfLibrary.Probe("libc.so.6");

        Assert.False(status.IsAvailable);
        Assert.Equal("libc.so.6: not libspf2 (no SPF_server_new_dns)", status.Problem);
    }

    [Fact]
    public void TheProcessUsesTheInstalledLibrary() => Assert.True(SpfLibrary.Status.IsAvailable, SpfLibrary.Status.Problem);
}
