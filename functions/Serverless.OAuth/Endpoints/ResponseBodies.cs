using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;

namespace Serverless.OAuth.Endpoints;

// The JSON bodies the endpoints answer with (besides Tokens/TokenResponse). Each is registered in Http/OAuthJsonContext:
// serialized by generated code, never by reflection. Members that are null are left out.

/// <summary>An OAuth error (RFC 6749 §5.2, RFC 6750 §3, RFC 7009 §2.2.1).</summary>
public sealed record ErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription,
    [property: JsonPropertyName("error_uri")] string? ErrorUri)
{
    public static ErrorResponse From(OAuthError error) => new(error.Error, error.Description, error.Uri);
}

/// <summary>Authorization server metadata (RFC 8414 §2), advertising exactly what is implemented.</summary>
public record AuthorizationServerMetadata
{
    [JsonPropertyName("issuer")] public required string Issuer { get; init; }
    [JsonPropertyName("authorization_endpoint")] public required string AuthorizationEndpoint { get; init; }
    [JsonPropertyName("token_endpoint")] public required string TokenEndpoint { get; init; }
    [JsonPropertyName("jwks_uri")] public required string JwksUri { get; init; }
    [JsonPropertyName("revocation_endpoint")] public required string RevocationEndpoint { get; init; }
    [JsonPropertyName("introspection_endpoint")] public required string IntrospectionEndpoint { get; init; }
    [JsonPropertyName("scopes_supported")] public required IReadOnlyList<string> ScopesSupported { get; init; }
    [JsonPropertyName("response_types_supported")] public required IReadOnlyList<string> ResponseTypesSupported { get; init; }
    [JsonPropertyName("response_modes_supported")] public required IReadOnlyList<string> ResponseModesSupported { get; init; }
    [JsonPropertyName("grant_types_supported")] public required IReadOnlyList<string> GrantTypesSupported { get; init; }
    [JsonPropertyName("token_endpoint_auth_methods_supported")] public required IReadOnlyList<string> TokenEndpointAuthMethodsSupported { get; init; }
    [JsonPropertyName("revocation_endpoint_auth_methods_supported")] public required IReadOnlyList<string> RevocationEndpointAuthMethodsSupported { get; init; }
    [JsonPropertyName("introspection_endpoint_auth_methods_supported")] public required IReadOnlyList<string> IntrospectionEndpointAuthMethodsSupported { get; init; }
    [JsonPropertyName("token_endpoint_auth_signing_alg_values_supported")] public IReadOnlyList<string>? TokenEndpointAuthSigningAlgValuesSupported { get; init; }
    [JsonPropertyName("revocation_endpoint_auth_signing_alg_values_supported")] public IReadOnlyList<string>? RevocationEndpointAuthSigningAlgValuesSupported { get; init; }
    [JsonPropertyName("introspection_endpoint_auth_signing_alg_values_supported")] public IReadOnlyList<string>? IntrospectionEndpointAuthSigningAlgValuesSupported { get; init; }
    [JsonPropertyName("code_challenge_methods_supported")] public required IReadOnlyList<string> CodeChallengeMethodsSupported { get; init; }
    [JsonPropertyName("authorization_response_iss_parameter_supported")] public required bool AuthorizationResponseIssParameterSupported { get; init; }
    [JsonPropertyName("service_documentation")] public required string ServiceDocumentation { get; init; }
    [JsonPropertyName("registration_endpoint")] public string? RegistrationEndpoint { get; init; }
    [JsonPropertyName("client_id_metadata_document_supported")] public bool? ClientIdMetadataDocumentSupported { get; init; }
    [JsonPropertyName("dpop_signing_alg_values_supported")] public IReadOnlyList<string>? DpopSigningAlgValuesSupported { get; init; }
    [JsonPropertyName("pushed_authorization_request_endpoint")] public string? PushedAuthorizationRequestEndpoint { get; init; }
    [JsonPropertyName("require_pushed_authorization_requests")] public bool? RequirePushedAuthorizationRequests { get; init; }
    [JsonPropertyName("device_authorization_endpoint")] public string? DeviceAuthorizationEndpoint { get; init; }
}

/// <summary>The device authorization response (RFC 8628 §3.2).</summary>
public sealed record DeviceAuthorizationResponse(
    [property: JsonPropertyName("device_code")] string DeviceCode,
    [property: JsonPropertyName("user_code")] string UserCode,
    [property: JsonPropertyName("verification_uri")] string VerificationUri,
    [property: JsonPropertyName("verification_uri_complete")] string VerificationUriComplete,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("interval")] long Interval);

/// <summary>
/// OpenID Provider metadata (OpenID Connect Discovery 1.0 §3): the authorization server's metadata, the same values
/// from the same source, and what makes it an OpenID Provider.
/// </summary>
public sealed record OpenIdProviderMetadata : AuthorizationServerMetadata
{
    [SetsRequiredMembers]
    public OpenIdProviderMetadata(AuthorizationServerMetadata metadata)
        : base(metadata)
    {
    }

    // Set by the one builder (MetadataEndpoint); the copy constructor cannot require them. Written after the OAuth members.
    [JsonPropertyName("userinfo_endpoint"), JsonPropertyOrder(1)] public string UserInfoEndpoint { get; init; } = "";
    [JsonPropertyName("subject_types_supported"), JsonPropertyOrder(1)] public IReadOnlyList<string> SubjectTypesSupported { get; init; } = [];
    [JsonPropertyName("id_token_signing_alg_values_supported"), JsonPropertyOrder(1)] public IReadOnlyList<string> IdTokenSigningAlgValuesSupported { get; init; } = [];
    [JsonPropertyName("claims_supported"), JsonPropertyOrder(1)] public IReadOnlyList<string> ClaimsSupported { get; init; } = [];
    [JsonPropertyName("end_session_endpoint"), JsonPropertyOrder(1)] public string EndSessionEndpoint { get; init; } = "";
    [JsonPropertyName("prompt_values_supported"), JsonPropertyOrder(1)] public IReadOnlyList<string> PromptValuesSupported { get; init; } = [];

    /// <summary>Its default is true (Discovery §3): said explicitly, since request_uri is not supported.</summary>
    [JsonPropertyName("request_uri_parameter_supported"), JsonPropertyOrder(1)] public bool RequestUriParameterSupported { get; init; }

    [JsonPropertyName("claims_parameter_supported"), JsonPropertyOrder(1)] public bool ClaimsParameterSupported { get; init; }
}

/// <summary>The published signing keys (RFC 7517 §5).</summary>
public sealed record JsonWebKeySet([property: JsonPropertyName("keys")] IReadOnlyList<PublicJsonWebKey> Keys);

/// <summary>
/// An introspection answer (RFC 7662 §2.2). An inactive token is only <c>{"active": false}</c>; an active one carries
/// what describes it (an access token all of these, a refresh token no audience, issue time, id or auth time).
/// </summary>
public sealed record IntrospectionResponse([property: JsonPropertyName("active")] bool Active)
{
    public static readonly IntrospectionResponse Inactive = new(false);

    [JsonPropertyName("token_type")] public string? TokenType { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
    [JsonPropertyName("client_id")] public string? ClientId { get; init; }
    [JsonPropertyName("sub")] public string? Subject { get; init; }
    [JsonPropertyName("aud")] public string? Audience { get; init; }
    [JsonPropertyName("iss")] public string? Issuer { get; init; }
    [JsonPropertyName("iat")] public long? IssuedAt { get; init; }
    [JsonPropertyName("exp")] public long? ExpiresAt { get; init; }
    [JsonPropertyName("jti")] public string? JwtId { get; init; }
    [JsonPropertyName("auth_time")] public long? AuthTime { get; init; }

    /// <summary>RFC 9449 §6.2: the key a DPoP-bound token is bound to.</summary>
    [JsonPropertyName("cnf")] public TokenConfirmation? Confirmation { get; init; }
}

/// <summary>A "cnf" member (RFC 7800 §3.1) with the RFC 7638 thumbprint of a DPoP key (RFC 9449 §6).</summary>
public sealed record TokenConfirmation([property: JsonPropertyName("jkt")] string Jkt);

/// <summary>
/// Protected resource metadata (RFC 9728 §2): where a client finds the authorization server of a resource, and which
/// scopes and bearer methods the resource takes.
/// </summary>
public sealed record ProtectedResourceMetadata
{
    [JsonPropertyName("resource")] public required string Resource { get; init; }
    [JsonPropertyName("authorization_servers")] public required IReadOnlyList<string> AuthorizationServers { get; init; }
    [JsonPropertyName("scopes_supported")] public required IReadOnlyList<string> ScopesSupported { get; init; }
    [JsonPropertyName("bearer_methods_supported")] public required IReadOnlyList<string> BearerMethodsSupported { get; init; }
    [JsonPropertyName("resource_name")] public string? ResourceName { get; init; }
    [JsonPropertyName("dpop_signing_alg_values_supported")] public IReadOnlyList<string>? DpopSigningAlgValuesSupported { get; init; }
}

/// <summary>What the demo resource answers a valid token with.</summary>
public sealed record ResourceResponse(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("sub")] string Subject,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("expires_at")] long ExpiresAt);

/// <summary><c>{}</c>: a successful revocation (RFC 7009 §2.2) has nothing to say.</summary>
public sealed record EmptyResponse
{
    public static readonly EmptyResponse Instance = new();
}

/// <summary>
/// A registered client (RFC 7591 §3.2.1): its id, its secret once (confidential clients only) and the metadata as
/// registered, which may differ from what was asked (scopes default to the registrable ones).
/// </summary>
public sealed record ClientRegistrationResponse
{
    [JsonPropertyName("client_id")] public required string ClientId { get; init; }
    [JsonPropertyName("client_secret")] public string? ClientSecret { get; init; }
    [JsonPropertyName("client_id_issued_at")] public required long ClientIdIssuedAt { get; init; }
    [JsonPropertyName("client_secret_expires_at")] public long? ClientSecretExpiresAt { get; init; }
    [JsonPropertyName("client_name")] public required string ClientName { get; init; }
    [JsonPropertyName("redirect_uris")] public required IReadOnlyList<string> RedirectUris { get; init; }
    [JsonPropertyName("grant_types")] public required IReadOnlyList<string> GrantTypes { get; init; }
    [JsonPropertyName("response_types")] public required IReadOnlyList<string> ResponseTypes { get; init; }
    [JsonPropertyName("token_endpoint_auth_method")] public required string TokenEndpointAuthMethod { get; init; }
    [JsonPropertyName("scope")] public required string Scope { get; init; }
    [JsonPropertyName("post_logout_redirect_uris")] public IReadOnlyList<string>? PostLogoutRedirectUris { get; init; }
    [JsonPropertyName("dpop_bound_access_tokens")] public bool? DpopBoundAccessTokens { get; init; }
    [JsonPropertyName("require_pushed_authorization_requests")] public bool? RequirePushedAuthorizationRequests { get; init; }
}

/// <summary>The answer to a pushed authorization request (RFC 9126 §2.2): the request_uri to send to /authorize, and its life in seconds.</summary>
public sealed record PushedAuthorizationResponse(
    [property: JsonPropertyName("request_uri")] string RequestUri,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);
