using System.Text.Json;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Registration;

/// <summary>The client metadata this server registers (RFC 7591 §2), read from a registration request or a Client ID Metadata Document.</summary>
public sealed record ClientMetadata(
    IReadOnlyList<string> RedirectUris,
    string? TokenEndpointAuthMethod,
    IReadOnlyList<string> GrantTypes,
    string? ClientName,
    string? Scope,
    string? ClientId,
    bool HasJwks,
    IReadOnlyList<string>? PostLogoutRedirectUris = null,
    string? Jwks = null,
    string? JwksUri = null,
    bool DpopBoundAccessTokens = false)
{
    public const string None = "none";
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";
    public const string PrivateKeyJwt = "private_key_jwt";

    /// <summary>What the client authenticates with; RFC 7591 §2 makes client_secret_basic the default when it is not said.</summary>
    public string AuthMethod => TokenEndpointAuthMethod ?? ClientSecretBasic;

    public bool IsPublic => AuthMethod == None;

    /// <summary>RFC 9126 §6: the client sends its authorization requests only through /par.</summary>
    public bool RequirePushedAuthorizationRequests { get; init; }
}

/// <summary>
/// Reads client metadata from JSON, field by field, with the precise RFC 7591 §3.2.2 error for the first field at
/// fault. Unknown fields are ignored (RFC 7591 §2); known ones of the wrong type are errors. Only what this server
/// supports is accepted: the code grant (with refresh tokens), response type "code", and client authentication by
/// secret or none.
/// </summary>
public static class ClientMetadataReader
{
    public const int MaxNameLength = 100;
    public const int MaxRedirectUris = 10;

    private static readonly string[] AuthMethods = [ClientMetadata.None, ClientMetadata.ClientSecretBasic, ClientMetadata.ClientSecretPost, ClientMetadata.PrivateKeyJwt];
    private static readonly string[] RegistrableGrants = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken];

    public static OAuthResult<ClientMetadata> Read(JsonElement root)
    {
        var read = ReadFields(root);
        if (!read.Succeeded)
        {
            return read;
        }

        return Boolean(root, "require_pushed_authorization_requests", out var requirePushed) is { } error
            ? error
            : read.Value with { RequirePushedAuthorizationRequests = requirePushed };
    }

    private static OAuthResult<ClientMetadata> ReadFields(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return OAuthError.InvalidClientMetadata("The client metadata must be a JSON object.");
        }

        if (StringArray(root, "redirect_uris", out var redirectUris) is { } redirectUrisError)
        {
            return OAuthError.InvalidRedirectUri(redirectUrisError.Description!);
        }

        if (redirectUris is not { Count: > 0 } uris)
        {
            return OAuthError.InvalidRedirectUri("'redirect_uris' must list at least one redirect URI.");
        }

        if (uris.Count > MaxRedirectUris)
        {
            return OAuthError.InvalidRedirectUri($"At most {MaxRedirectUris} redirect URIs may be registered.");
        }

        OAuthError?[] typeErrors =
        [
            String(root, "token_endpoint_auth_method", out var authMethod),
            StringArray(root, "grant_types", out var grants),
            StringArray(root, "response_types", out var responseTypes),
            String(root, "client_name", out var name),
            String(root, "scope", out var scope),
            String(root, "client_id", out var clientId),
            StringArray(root, "post_logout_redirect_uris", out var postLogoutRedirectUris),
        ];
        if (typeErrors.FirstOrDefault(e => e is not null) is { } typeError)
        {
            return typeError;
        }

        // RFC 9449 §5.2: a boolean; true makes the server refuse this client's token requests without a DPoP proof.
        var dpopBound = false;
        if (root.TryGetProperty("dpop_bound_access_tokens", out var dpopElement) && dpopElement.ValueKind != JsonValueKind.Null)
        {
            if (dpopElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return OAuthError.InvalidClientMetadata("'dpop_bound_access_tokens' must be a boolean.");
            }

            dpopBound = dpopElement.GetBoolean();
        }

        if (authMethod is not null && !AuthMethods.Contains(authMethod, StringComparer.Ordinal))
        {
            return OAuthError.InvalidClientMetadata($"'token_endpoint_auth_method' must be one of: {string.Join(", ", AuthMethods)}.");
        }

        var grantTypes = grants is { Count: > 0 } ? grants.Distinct(StringComparer.Ordinal).ToArray() : [GrantTypes.AuthorizationCode];
        if (grantTypes.Except(RegistrableGrants, StringComparer.Ordinal).FirstOrDefault() is { } unsupported)
        {
            return OAuthError.InvalidClientMetadata($"The grant type '{unsupported}' cannot be registered; use authorization_code, with refresh_token if needed.");
        }

        if (!grantTypes.Contains(GrantTypes.AuthorizationCode, StringComparer.Ordinal))
        {
            return OAuthError.InvalidClientMetadata("'grant_types' must include authorization_code.");
        }

        // RFC 7591 §2.1: the response types must agree with the grant types; "code" is the only one this server has.
        if (responseTypes is not null && responseTypes.Any(t => t != "code"))
        {
            return OAuthError.InvalidClientMetadata("'response_types' may only be [\"code\"].");
        }

        if (name is not null && (name.Trim().Length is 0 or > MaxNameLength || name.Any(char.IsControl)))
        {
            return OAuthError.InvalidClientMetadata($"'client_name' must be 1 to {MaxNameLength} characters without control characters.");
        }

        var hasJwks = root.TryGetProperty("jwks", out _) || root.TryGetProperty("jwks_uri", out _);
        if (postLogoutRedirectUris is { Count: > MaxRedirectUris })
        {
            return OAuthError.InvalidClientMetadata($"At most {MaxRedirectUris} post-logout redirect URIs may be registered.");
        }

        if (authMethod != ClientMetadata.PrivateKeyJwt)
        {
            return new ClientMetadata(uris, authMethod, grantTypes, name?.Trim(), scope, clientId, hasJwks, postLogoutRedirectUris, DpopBoundAccessTokens: dpopBound);
        }

        // private_key_jwt (RFC 7591 §2): the client's public keys, by value or by reference, not both.
        if (String(root, "jwks_uri", out var jwksUri) is { } jwksUriError)
        {
            return jwksUriError;
        }

        var jwks = root.TryGetProperty("jwks", out var set) && set.ValueKind == JsonValueKind.Object ? set.GetRawText() : null;
        if ((jwks is null) == (jwksUri is null))
        {
            return OAuthError.InvalidClientMetadata("private_key_jwt needs the client's public keys: 'jwks' (a JWK Set object) or 'jwks_uri', not both.");
        }

        var problem = jwks is not null
            ? (ClientJwks.TryRead(jwks, out _, out var jwksProblem) ? null : jwksProblem)
            : ClientJwks.UriProblem(jwksUri!);
        return problem is not null
            ? OAuthError.InvalidClientMetadata(problem)
            : new ClientMetadata(uris, authMethod, grantTypes, name?.Trim(), scope, clientId, hasJwks, postLogoutRedirectUris, jwks, jwksUri, dpopBound);
    }

    private static OAuthError? Boolean(JsonElement root, string name, out bool value)
    {
        value = false;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return OAuthError.InvalidClientMetadata($"'{name}' must be true or false.");
        }

        value = element.GetBoolean();
        return null;
    }

    private static OAuthError? String(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return OAuthError.InvalidClientMetadata($"'{name}' must be a string.");
        }

        value = element.GetString();
        return null;
    }

    private static OAuthError? StringArray(JsonElement root, string name, out IReadOnlyList<string>? values)
    {
        values = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array || element.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            return OAuthError.InvalidClientMetadata($"'{name}' must be an array of strings.");
        }

        values = element.EnumerateArray().Select(e => e.GetString()!).ToArray();
        return null;
    }
}
