using Serverless.OAuth.Grants;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Tests.Grants;

/// <summary>
/// The user code (RFC 8628 §6.1): 8 of 20 consonants, shown XXXX-XXXX, typed in any case with or without the dash;
/// and the guessing bound docs/device-flow.md states, from the code space and the default per-address lockout.
/// </summary>
public sealed class UserCodeTests
{
    [Fact]
    public void NewCodes_AreEightConsonantsShownInTwoGroups()
    {
        for (var i = 0; i < 200; i++)
        {
            var code = UserCode.New();
            Assert.Matches("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$", code);
        }
    }

    [Theory]
    [InlineData("bcdf-ghjk", "BCDFGHJK")]
    [InlineData("BCDFGHJK", "BCDFGHJK")]
    [InlineData(" bcdf ghjk ", "BCDFGHJK")]
    [InlineData("BCDF--GHJK", "BCDFGHJK")]
    public void TypedCodes_AreComparedWithoutCaseOrDashes(string typed, string normalized) => Assert.Equal(normalized, UserCode.Normalize(typed));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("BCDF-GHJ")] // too short
    [InlineData("BCDF-GHJKL")] // too long
    [InlineData("BCDF-GHJA")] // a vowel: never issued
    [InlineData("BCDF-GHJ0")] // a digit: never issued
    [InlineData("BCDF-GHJKBCDF-GHJKBCDF-GHJKBCDF-GHJK")] // oversized
    public void AnythingElse_IsNoCode(string? typed) => Assert.Null(UserCode.Normalize(typed));

    [Fact]
    public void TheDocumentedBound_FollowsFromTheCodeSpaceAndTheAddressLockout()
    {
        var options = new OAuthServerOptions();
        Assert.Equal(2.56e10, UserCode.Space);

        // One address gets at most MaxFailures wrong codes before it is throttled for at least LockDuration; a code
        // lives Lifetime. Guesses one address can make against the codes live in one lifetime:
        var lockout = options.AddressLockout;
        var lifetime = options.DeviceAuthorization.Lifetime;
        var windows = Math.Ceiling(lifetime / (lockout.FailureWindow + lockout.LockDuration));
        var guesses = lockout.MaxFailures * windows;
        Assert.Equal(30, guesses);

        // With 1,000 codes waiting at once, the chance that one address hits any of them within a code's lifetime:
        var chance = guesses * 1000 / UserCode.Space;
        Assert.True(chance < 1.2e-6, $"{chance}");
    }
}
