using Postmaster.Submission;
using Xunit;

namespace Postmaster.Tests.Submission;

public sealed class SubmitterTests
{
    [Theory]
    [InlineData("Joe Bloggs,Room 1,555-1234,,", "joe", "Joe Bloggs")]
    [InlineData("& Smith", "joe", "Joe Smith")]
    [InlineData("", "joe", null)]
    [InlineData(",,,", "joe", null)]
    [InlineData(null, "joe", null)]
    public void TakesTheFullNameFromGecos(string? gecos, string user, string? expected) =>
        Assert.Equal(expected, Submitter.FullNameFromGecos(gecos, user));

    [Fact]
    public void KnowsWhoRunsIt()
    {
        Submitter me = Submitter.Current();

        Assert.Equal(Environment.UserName, me.UserName);
    }
}
