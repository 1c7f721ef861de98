using System.Text.Json.Serialization;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>A successful token response (RFC 6749 §5.1), with an ID token when the grant has "openid" (OpenID Connect Core §3.1.3.3).</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("refresh_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken)
{
    /// <summary>The API the access token is for (its aud), for telemetry; not part of the response (RFC 8707 defines none).</summary>
    [JsonIgnore]
    public string Audience { get; init; } = "";

    [JsonPropertyName("id_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IdToken { get; init; }

    /// <summary>The type of the issued token, in a token exchange response (RFC 8693 §2.2.1).</summary>
    [JsonPropertyName("issued_token_type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IssuedTokenType { get; init; }
}
