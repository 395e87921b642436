using Postmaster.Spf;
using Xunit;

namespace Postmaster.Tests.Spf;

public sealed class DomainNameTests
{
    [Theory]
    [InlineData("example.org")]
    [InlineData("mail.example.org")]
    [InlineData("_spf.example.org")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("1a.example")]
    public void TakesFullyQualifiedNames(string name) => Assert.True(DomainName.IsCheckable(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("example.org.")]
    [InlineData("[192.0.2.1]")]
    [InlineData("192.0.2.1")]
    [InlineData("a..example")]
    [InlineData("-a.example")]
    [InlineData("a b.example")]
    [InlineData("bücher.example")]
    [InlineData("%{i}.example")]
    public void RefusesEverythingElse(string? name) => Assert.False(DomainName.IsCheckable(name));

    [Fact]
    public void RefusesOverlongLabelsAndNames()
    {
        Assert.False(DomainName.IsCheckable(new string('a', 64) + ".example"));
        Assert.True(DomainName.IsCheckable(new string('a', 63) + ".example"));
        Assert.False(DomainName.IsCheckable(string.Join('.', Enumerable.Repeat("abcdefgh", 29)) + ".example"));
    }
}
