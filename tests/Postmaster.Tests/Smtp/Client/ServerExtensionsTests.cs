using Postmaster.Smtp.Client;
using Postmaster.Smtp.Protocol;
using Xunit;

namespace Postmaster.Tests.Smtp.Client;

public sealed class ServerExtensionsTests
{
    static ServerExtensions Parse(params string[] lines) => ServerExtensions.Parse(new Reply(250, "", string.Join('\n', lines)));

    [Fact]
    public void ReadsPostfixStyleEhlo()
    {
        ServerExtensions server = Parse("mx.example.net", "PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS",
            "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING");
        Assert.Equal("mx.example.net", server.ServerName);
        Assert.Equal(10240000, server.SizeLimit);
        Assert.Equal(ServerCapabilities.Pipelining | ServerCapabilities.Size | ServerCapabilities.StartTls | ServerCapabilities.Auth
            | ServerCapabilities.EnhancedStatusCodes | ServerCapabilities.EightBitMime | ServerCapabilities.Dsn
            | ServerCapabilities.Smtputf8 | ServerCapabilities.Chunking, server.Capabilities);
    }

    [Theory]
    [InlineData("AUTH LOGIN", ServerCapabilities.AuthLogin)]
    [InlineData("AUTH CRAM-MD5 plain", ServerCapabilities.AuthPlain)]
    [InlineData("AUTH=LOGIN PLAIN", ServerCapabilities.Auth)]
    [InlineData("AUTH GSSAPI", ServerCapabilities.None)]
    [InlineData("auth login", ServerCapabilities.AuthLogin)]
    [InlineData("pipelining", ServerCapabilities.Pipelining)]
    [InlineData("XCLIENT NAME", ServerCapabilities.None)]
    public void ReadsOneKeyword(string line, ServerCapabilities expected) =>
        Assert.Equal(expected, Parse("mx Hello client", line).Capabilities);

    [Theory]
    [InlineData("SIZE", 0)]
    [InlineData("SIZE 0", 0)]
    [InlineData("SIZE nonsense", 0)]
    [InlineData("SIZE 52428800", 52428800)]
    public void ReadsTheSizeLimit(string line, long limit)
    {
        ServerExtensions server = Parse("mx", line);
        Assert.True(server.Has(ServerCapabilities.Size));
        Assert.Equal(limit, server.SizeLimit);
    }

    [Fact]
    public void TakesTheGreetingLineForTheNameOnly()
    {
        ServerExtensions server = Parse("mx.example.net STARTTLS PIPELINING");
        Assert.Equal("mx.example.net", server.ServerName);
        Assert.Equal(ServerCapabilities.None, server.Capabilities);
    }

    [Fact]
    public void HeloMeansNoExtensions()
    {
        ServerExtensions server = ServerExtensions.Helo(new Reply(250, "", "old.example.net pleased to meet you"));
        Assert.Equal("old.example.net", server.ServerName);
        Assert.Equal(ServerCapabilities.None, server.Capabilities);
    }
}
