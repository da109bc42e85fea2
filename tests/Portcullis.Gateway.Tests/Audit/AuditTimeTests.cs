using Portcullis.Gateway.Audit;

namespace Portcullis.Gateway.Tests.Audit;

public sealed class AuditTimeTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("7d", 604800)]
    public void ASpan_IsThatLongBeforeNow(string text, long seconds) =>
        Assert.Equal(s_now.AddSeconds(-seconds), AuditTime.ParseSince(text, s_now));

    [Fact]
    public void ASpanReachingBeforeTheCalendarsStart_MeansEveryRecord_NotAnError() =>
        Assert.Equal(DateTimeOffset.MinValue, AuditTime.ParseSince("999999d", s_now));

    [Theory]
    [InlineData("1000000d")]
    [InlineData("10x")]
    [InlineData("yesterday")]
    public void TextThatIsNeither_IsNull(string text) => Assert.Null(AuditTime.ParseSince(text, s_now));
}
