using Azure.Core;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Tests.Infrastructure.Storage;

public sealed class OAuthTablesTests
{
    [Fact]
    public void TheRetryPolicy_BacksOffExponentially_AndBoundsTheTimeAClientWaits()
    {
        var retry = OAuthTables.DefaultClientOptions().Retry;

        Assert.Equal(RetryMode.Exponential, retry.Mode);
        Assert.InRange(retry.MaxRetries, 2, 5);
        // Four tries of at most 5 s, and backoffs of 0.3, 0.6 and 1.2 s at most (jitter included).
        Assert.Equal(TimeSpan.FromSeconds(22.1), OAuthTables.WorstCaseDuration(retry));
    }

    [Fact]
    public void WorstCaseDuration_CapsEachBackoffAtMaxDelay()
    {
        var retry = OAuthTables.DefaultClientOptions().Retry;
        retry.MaxRetries = 5;
        retry.Delay = TimeSpan.FromSeconds(1);
        retry.MaxDelay = TimeSpan.FromSeconds(3);
        retry.NetworkTimeout = TimeSpan.FromSeconds(1);

        // 6 tries of 1 s; backoffs 1.2, 2.4, then 3, 3, 3.
        Assert.Equal(TimeSpan.FromSeconds(6 + 1.2 + 2.4 + 3 + 3 + 3), OAuthTables.WorstCaseDuration(retry));
    }
}
