namespace Serverless.OAuth.Protocol;

/// <summary>The grant types this server implements, as the token endpoint and client metadata name them.</summary>
public static class GrantTypes
{
    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";
    public const string ClientCredentials = "client_credentials";

    /// <summary>RFC 8693 token exchange.</summary>
    public const string TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";

    /// <summary>RFC 7523 §2.1: a trusted identity provider's assertion about a user as the grant.</summary>
    public const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /// <summary>RFC 8628 §3.4: a device without a browser polls for the tokens while the user answers on another.</summary>
    public const string DeviceCode = "urn:ietf:params:oauth:grant-type:device_code";

    public static readonly IReadOnlyList<string> All = [AuthorizationCode, RefreshToken, ClientCredentials, TokenExchange, JwtBearer, DeviceCode];
}
