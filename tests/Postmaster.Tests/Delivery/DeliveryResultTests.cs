using Postmaster.Delivery;
using Xunit;

namespace Postmaster.Tests.Delivery;

public class DeliveryResultTests
{
    [Fact]
    public void FactoriesGiveTheOutcomeAndStatus()
    {
        Assert.Equal(new DeliveryResult(DeliveryOutcome.Delivered, "2.0.0", "delivered"), DeliveryResult.Delivered());
        Assert.Equal(DeliveryOutcome.Deferred, DeliveryResult.Deferred("4.2.2", "full").Outcome);
        Assert.Equal("5.1.1", DeliveryResult.Failed("5.1.1", "unknown").Status);
        Assert.Equal("deferred 4.3.0 try later", DeliveryResult.Deferred("4.3.0", "try later").ToString());
    }

    [Theory]
    [InlineData("line one\nline two", "line one line two")]
    [InlineData("  a\r\n\r\n\tb  ", "a b")]
    [InlineData("x\u0000y\u001bz", "x y z")]
    [InlineData("", "")]
    public void DiagnosticIsAlwaysOneLine(string given, string kept)
    {
        Assert.Equal(kept, DeliveryResult.Failed("5.3.0", given).Diagnostic);
        Assert.Equal(kept, new DeliveryResult(DeliveryOutcome.Failed, "5.3.0", given).Diagnostic);
    }

    [Fact]
    public void OutputTextIsCutAt500Bytes()
    {
        byte[] output = System.Text.Encoding.ASCII.GetBytes(new string('e', 2000));
        Assert.Equal(500, DiagnosticText.FromOutput(output).Length);
    }
}
