using Postmaster.Submission;
using Xunit;

namespace Postmaster.Tests.Submission;

public sealed class SendmailArgumentsTests
{
    /// <summary>t=-t i=-i/-oi f=sender F=full name C=config, then the operands.</summary>
    static string Render(SendmailOptions o) =>
        $"{(o.ExtractRecipients ? "t " : "")}{(o.IgnoreDots ? "i " : "")}{(o.Sender is null ? "" : $"f=[{o.Sender}] ")}" +
        $"{(o.FullName is null ? "" : $"F=[{o.FullName}] ")}{(o.ConfigPath is null ? "" : $"C=[{o.ConfigPath}] ")}" +
        $"{(o.Mode == SendmailMode.Send ? "" : o.Mode + " ")}| {string.Join(" ", o.Recipients)}";

    [Theory]
    [InlineData("bob", "| bob")]
    [InlineData("-t -i", "t i | ")]
    [InlineData("-ti", "t i | ")]
    [InlineData("-oi -t", "t i | ")]
    [InlineData("-o i bob", "i | bob")]
    [InlineData("-f alice@example.org bob", "f=[alice@example.org] | bob")]
    [InlineData("-falice@example.org bob", "f=[alice@example.org] | bob")]
    [InlineData("-r alice bob", "f=[alice] | bob")]
    [InlineData("-tif alice bob", "t i f=[alice] | bob")]
    [InlineData("-F Joe -f <> bob", "f=[<>] F=[Joe] | bob")]
    [InlineData("-C /etc/other.cf bob", "C=[/etc/other.cf] | bob")]
    [InlineData("-odi -odb -oem -oee -om -o7 -oQ/var/q -B 8BITMIME -N never -R hdrs -V id -X log -L lbl -h 5 -v -G -U -m -n bob", "| bob")]
    [InlineData("-bm bob", "| bob")]
    [InlineData("-- -t", "| -t")]
    [InlineData("bob -t", "| bob -t")]
    [InlineData("--help", "Help | ")]
    [InlineData("-bi", "NewAliases | ")]
    [InlineData("-I", "NewAliases | ")]
    [InlineData("bob carol, dave", "| bob carol, dave")]
    public void ReadsTheCommandLineAsPostfixDoes(string line, string expected)
    {
        string[] arguments = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(SendmailArguments.TryParse(arguments, out SendmailOptions? options, out string? error), error);
        Assert.Equal(expected, Render(options));
    }

    [Fact]
    public void TakesAnEmptySenderAsTheNullSender()
    {
        Assert.True(SendmailArguments.TryParse(["-f", "", "bob"], out SendmailOptions? options, out _));
        Assert.Equal("", options.Sender);
    }

    [Theory]
    [InlineData("-f", "option -f needs an argument")]
    [InlineData("-t -Z bob", "unknown option -Z")]
    [InlineData("--verbose", "unknown option --verbose")]
    [InlineData("-bs", "-bs is not supported (only -bm)")]
    [InlineData("-bp", "-bp is not supported: use postmaster spool list")]
    [InlineData("-q", "-q is not supported: use postmaster spool run")]
    public void RefusesWhatItCannotDo(string line, string expected)
    {
        Assert.False(SendmailArguments.TryParse(line.Split(' '), out _, out string? error));
        Assert.Equal(expected, error);
    }
}
