using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

public sealed class PkceTests
{
    [Fact]
    public void ComputeChallenge_MatchesTheRfc7636AppendixBExample()
    {
        Assert.Equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Pkce.ComputeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    }

    [Fact]
    public void Verify_AcceptsTheRightVerifier_AndRejectsAnyOther()
    {
        const string challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

        Assert.True(Pkce.Verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", challenge));
        Assert.False(Pkce.Verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", challenge));
        Assert.False(Pkce.Verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "not-base64url!"));
    }

    [Theory]
    [InlineData(42, false)]
    [InlineData(43, true)]
    [InlineData(128, true)]
    [InlineData(129, false)]
    public void IsValidVerifier_Enforces43To128Characters(int length, bool valid)
    {
        Assert.Equal(valid, Pkce.IsValidVerifier(new string('a', length)));
    }

    [Fact]
    public void IsValidVerifier_RejectsCharactersOutsideUnreserved()
    {
        Assert.False(Pkce.IsValidVerifier(new string('a', 42) + "+"));
        Assert.True(Pkce.IsValidVerifier(new string('a', 40) + "-._~"));
    }
}
