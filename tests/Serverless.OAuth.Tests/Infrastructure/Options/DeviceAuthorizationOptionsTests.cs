using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Tests.Infrastructure.Options;

/// <summary>OAuth:DeviceAuthorization is checked at start: a lifetime and an interval a device can live with.</summary>
public sealed class DeviceAuthorizationOptionsTests
{
    [Fact]
    public void TheDefaults_AreValid() => Assert.Empty(new DeviceAuthorizationOptions().Validate());

    [Theory]
    [InlineData(0, 5)]
    [InlineData(3600, 5)]
    [InlineData(600, 0)]
    [InlineData(600, 120)]
    [InlineData(600, 2.5)]
    public void OutOfRangeValues_AreRefused(double lifetimeSeconds, double intervalSeconds) => Assert.NotEmpty(
        new DeviceAuthorizationOptions { Lifetime = TimeSpan.FromSeconds(lifetimeSeconds), Interval = TimeSpan.FromSeconds(intervalSeconds) }.Validate());
}
