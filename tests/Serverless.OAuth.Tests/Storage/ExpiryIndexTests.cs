using Serverless.OAuth.Storage;

namespace Serverless.OAuth.Tests.Storage;

public sealed class ExpiryIndexTests
{
    [Fact]
    public void Bucket_RoundsUp_SoAnEntryIsNeverDueBeforeItsRows()
    {
        Assert.Equal("x202611222301", ExpiryIndex.Bucket(new DateTimeOffset(2026, 11, 22, 23, 0, 1, TimeSpan.Zero)));
        Assert.Equal("x202611222300", ExpiryIndex.Bucket(new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero)));
        Assert.Equal("x202611222300", ExpiryIndex.Bucket(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void Buckets_SortLikeTime()
    {
        var a = ExpiryIndex.Bucket(new DateTimeOffset(2026, 9, 30, 23, 59, 0, TimeSpan.Zero));
        var b = ExpiryIndex.Bucket(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.True(string.CompareOrdinal(a, b) < 0);
    }
}
