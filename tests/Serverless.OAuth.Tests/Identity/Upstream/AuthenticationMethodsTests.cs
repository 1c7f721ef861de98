using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Serverless.OAuth.Identity.Upstream;

namespace Serverless.OAuth.Tests.Identity.Upstream;

/// <summary>What the upstream's amr and acr become in this server's amr.</summary>
public sealed class AuthenticationMethodsTests
{
    private static JsonWebToken Token(string payload) =>
        new($"{Part("{\"alg\":\"none\"}")}.{Part(payload)}.");

    private static string Part(string json) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("{\"amr\":[\"pwd\"],\"acr\":\"http://schemas.openid.net/pape/policies/2007/06/multi-factor\"}", "pwd mfa")]
    [InlineData("{\"acr\":\"https://refeds.org/profile/mfa\"}", "mfa")]
    [InlineData("{\"amr\":[\"pwd\",\"mfa\"],\"acr\":\"https://refeds.org/profile/mfa\"}", "pwd mfa")]
    [InlineData("{\"amr\":[\"pwd\"],\"acr\":\"1\"}", "pwd")]
    [InlineData("{\"amr\":[\"pwd\"],\"acr\":\"c1\"}", "pwd")]
    [InlineData("{\"amr\":[\"pwd\",\"not a token\"]}", "pwd")]
    public void TheAmr_IsKept_AndAMultiFactorAcr_AddsMfa(string payload, string expected)
    {
        Assert.Equal(expected, string.Join(' ', UpstreamProvider.AuthenticationMethods(Token(payload), [])));
    }

    [Fact]
    public void AProvidersOwnMultiFactorAcr_AddsMfa_OnlyWhenConfigured()
    {
        var token = Token("{\"amr\":[\"pwd\"],\"acr\":\"c1\"}");

        Assert.Equal(["pwd", "mfa"], UpstreamProvider.AuthenticationMethods(token, ["c1"]));
        Assert.Equal(["pwd"], UpstreamProvider.AuthenticationMethods(token, ["c2"]));
    }
}
