using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.IntegrationTests;

/// <summary>Validates access tokens independently of the server: Microsoft.IdentityModel against the published JWKS.</summary>
public static class TokenSupport
{
    public static Task<JsonWebToken> ValidateAgainstJwksAsync(HttpClient http, string accessToken, string issuer, string audience) =>
        ValidateAsync(http, accessToken, issuer, audience, "at+jwt");

    /// <summary>Validates an ID token as a relying party would (OpenID Connect Core §3.1.3.7): JWKS signature, iss, aud = client_id, exp.</summary>
    public static Task<JsonWebToken> ValidateIdTokenAsync(HttpClient http, string idToken, string issuer, string clientId) =>
        ValidateAsync(http, idToken, issuer, clientId, "JWT");

    private static async Task<JsonWebToken> ValidateAsync(HttpClient http, string token, string issuer, string audience, string type)
    {
        var jwks = new JsonWebKeySet(await http.GetStringAsync(".well-known/jwks.json"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = [type],
        });
        Assert.True(result.IsValid, $"{type} token failed independent validation: " + result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    public static async Task<(string AccessToken, string? RefreshToken, JsonElement Body)> ReadTokenResponseAsync(HttpResponseMessage response, string tokenType = "Bearer")
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token request failed: {(int)response.StatusCode} {text}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(tokenType, body.GetProperty("token_type").GetString());
        return (body.GetProperty("access_token").GetString()!, body.TryGetProperty("refresh_token", out var rt) ? rt.GetString() : null, body);
    }
}
