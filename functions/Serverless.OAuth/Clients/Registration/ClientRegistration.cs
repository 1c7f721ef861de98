using System.Diagnostics.CodeAnalysis;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Registration;

/// <summary>
/// What a caller asks to register, before any rule is applied: the admin command line fills it from its options, and
/// dynamic client registration (RFC 7591) fills it from the request's metadata. Empty lists take the defaults.
/// </summary>
public sealed record ClientRegistrationRequest(
    string? ClientId,
    string? Name,
    ClientType? Type,
    IReadOnlyList<string> RedirectUris,
    string? Scope,
    IReadOnlyList<string> GrantTypes,
    bool RefreshWithoutOfflineAccess = false,
    bool MayIntrospect = false,
    string? DefaultResource = null,
    string? IdTokenSignedResponseAlg = null,
    IReadOnlyList<string>? PostLogoutRedirectUris = null,
    string? Jwks = null,
    string? JwksUri = null,
    IReadOnlyList<FederatedCredential>? FederatedCredentials = null,
    string? TokenEndpointAuthMethod = null,
    bool DpopBoundAccessTokens = false,
    bool RequirePushedAuthorizationRequests = false);

/// <summary>Why a registration is refused. The callers word it for their audience (options, or RFC 7591 metadata).</summary>
public enum ClientRegistrationProblemKind
{
    InvalidClientId,
    MissingName,
    MissingType,
    UnknownGrant,
    PublicClientCredentials,
    PublicIntrospection,
    MissingRedirectUri,
    InvalidRedirectUri,
    MalformedScope,
    UnknownScope,
    UnknownResource,
    UnsupportedIdTokenAlgorithm,
    InvalidJwks,
    InvalidJwksUri,
    InvalidFederatedCredential,
    PublicClientKeys,

    /// <summary>A grant this door does not register (<see cref="RegistrationPolicy.GrantTypes"/>).</summary>
    GrantNotAllowed,

    /// <summary>A token_endpoint_auth_method this door does not register, or one that does not fit the client's type.</summary>
    AuthMethodNotAllowed,

    /// <summary>A scope the server knows but does not give to clients coming this way (<see cref="RegistrationPolicy.Scopes"/>).</summary>
    ScopeNotAllowed,

    /// <summary>A name with control, bidirectional-override or invisible characters, which could make it look like another.</summary>
    UnsafeName,

    /// <summary>The name of an operator-registered client, taken by a client that registers itself.</summary>
    NameTaken,
}

/// <summary>One reason a registration is refused; <see cref="Value"/> is the grant, scope or redirect URI at fault, <see cref="Detail"/> why.</summary>
public sealed record ClientRegistrationProblem(ClientRegistrationProblemKind Kind, string? Value = null, string? Detail = null);

/// <summary>
/// The outcome of <see cref="ClientRegistration.Register"/>: the client to store with its secret in clear (confidential
/// clients only: shown once, never stored), or every problem at once.
/// </summary>
public sealed record ClientRegistrationResult(OAuthClient? Client, string? Secret, IReadOnlyList<ClientRegistrationProblem> Problems)
{
    [MemberNotNullWhen(true, nameof(Client))]
    public bool Succeeded => Client is not null;
}

/// <summary>
/// The one registration pipeline, for every way a client comes to exist: the admin tool, RFC 7591 /register and Client
/// ID Metadata Documents. Each comes with its <see cref="RegistrationPolicy"/> (what that door allows and gives, as
/// data); the rules are the same for all: an id, a name that cannot pass for another (no control, bidi-override or
/// invisible characters; for self-registered clients, not an operator client's name), a type; grants this server knows
/// and the door allows, with client_credentials and introspection for confidential clients only; a redirect URI for
/// the code grant, each registrable (RFC 6749 §3.1.2), post-logout redirect URIs by the same rule; scopes this server
/// knows and the door gives (all of them when none is asked for); a default resource that is a registered API; an auth
/// method that fits the type. A confidential client gets a generated secret, of which only the hash is kept.
/// </summary>
public static class ClientRegistration
{
    public const string AuthNone = "none";
    public const string AuthSecretBasic = "client_secret_basic";
    public const string AuthSecretPost = "client_secret_post";
    public const string AuthPrivateKeyJwt = "private_key_jwt";

    /// <summary>The admin tool's door (<see cref="RegistrationPolicy.Operator"/>).</summary>
    public static ClientRegistrationResult Register(ClientRegistrationRequest request, OAuthServerOptions options, ApiCatalog apis) =>
        Register(request, RegistrationPolicy.Operator(), options, apis, operatorClientNames: [], now: null);

    /// <summary>
    /// Applies the rules and the door's policy: the client to store (or, for a metadata document, to use), or every
    /// problem at once. <paramref name="operatorClientNames"/> are the names a self-registered client may not take;
    /// <paramref name="now"/> starts the expiry of a door that has one.
    /// </summary>
    public static ClientRegistrationResult Register(
        ClientRegistrationRequest request,
        RegistrationPolicy policy,
        OAuthServerOptions options,
        ApiCatalog apis,
        IEnumerable<string> operatorClientNames,
        DateTimeOffset? now)
    {
        string[] known = [.. options.ServerScopes, .. apis.ScopeNames];
        var grants = request.GrantTypes.Count > 0 ? request.GrantTypes.Distinct(StringComparer.Ordinal).ToArray() : [GrantTypes.AuthorizationCode];
        var scope = ScopeSet.Parse(request.Scope ?? "");
        var problems = new List<ClientRegistrationProblem>();
        if (policy.Origin == ClientOrigin.MetadataDocument ? request.ClientId is not { Length: > 0 } : !OAuthClient.IsValidClientId(request.ClientId))
        {
            problems.Add(new(ClientRegistrationProblemKind.InvalidClientId));
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            problems.Add(new(ClientRegistrationProblemKind.MissingName));
        }
        else if (!IsSafeName(request.Name))
        {
            problems.Add(new(ClientRegistrationProblemKind.UnsafeName));
        }
        else if (policy.NameMustNotBeAnOperatorClients && operatorClientNames.Any(name => SameName(name, request.Name)))
        {
            problems.Add(new(ClientRegistrationProblemKind.NameTaken, request.Name.Trim()));
        }

        if (request.Type is null)
        {
            problems.Add(new(ClientRegistrationProblemKind.MissingType));
        }

        problems.AddRange(grants.Where(g => !GrantTypes.All.Contains(g)).Select(g => new ClientRegistrationProblem(ClientRegistrationProblemKind.UnknownGrant, g)));
        problems.AddRange(grants.Where(g => GrantTypes.All.Contains(g) && !policy.GrantTypes.Contains(g)).Select(g => new ClientRegistrationProblem(ClientRegistrationProblemKind.GrantNotAllowed, g)));
        if (request.Type == ClientType.Public && grants.Contains(GrantTypes.ClientCredentials))
        {
            problems.Add(new(ClientRegistrationProblemKind.PublicClientCredentials));
        }

        if (request.MayIntrospect && request.Type != ClientType.Confidential)
        {
            problems.Add(new(ClientRegistrationProblemKind.PublicIntrospection));
        }

        if (request.TokenEndpointAuthMethod is { } method
            && (!policy.AuthMethods.Contains(method, StringComparer.Ordinal) || (method == AuthNone) != (request.Type == ClientType.Public)))
        {
            problems.Add(new(ClientRegistrationProblemKind.AuthMethodNotAllowed, method));
        }

        if (grants.Contains(GrantTypes.AuthorizationCode) && request.RedirectUris.Count == 0)
        {
            problems.Add(new(ClientRegistrationProblemKind.MissingRedirectUri));
        }

        foreach (var uri in request.RedirectUris.Concat(request.PostLogoutRedirectUris ?? []))
        {
            if (RedirectUriProblem(uri) is { } detail)
            {
                problems.Add(new(ClientRegistrationProblemKind.InvalidRedirectUri, uri, detail));
            }
        }

        if (scope is null)
        {
            problems.Add(new(ClientRegistrationProblemKind.MalformedScope));
        }
        else
        {
            problems.AddRange(scope.Values.Where(s => !known.Contains(s)).Select(s => new ClientRegistrationProblem(ClientRegistrationProblemKind.UnknownScope, s)));
            problems.AddRange(scope.Values.Where(s => known.Contains(s) && policy.Scopes is { } allowed && !allowed.Contains(s)).Select(s => new ClientRegistrationProblem(ClientRegistrationProblemKind.ScopeNotAllowed, s)));
        }

        var defaultResource = request.DefaultResource ?? policy.DefaultResource;
        if (defaultResource is { } resource && apis.Find(resource) is null)
        {
            problems.Add(new(ClientRegistrationProblemKind.UnknownResource, resource));
        }

        if (request.IdTokenSignedResponseAlg is { } idTokenAlgorithm && !options.Signing.Algorithms.Contains(idTokenAlgorithm))
        {
            problems.Add(new(ClientRegistrationProblemKind.UnsupportedIdTokenAlgorithm, idTokenAlgorithm));
        }

        if (request.Jwks is { } jwks && !ClientJwks.TryRead(jwks, out _, out var jwksProblem))
        {
            problems.Add(new(ClientRegistrationProblemKind.InvalidJwks, null, jwksProblem));
        }

        if (request.JwksUri is { } jwksUri && ClientJwks.UriProblem(jwksUri) is { } jwksUriProblem)
        {
            problems.Add(new(ClientRegistrationProblemKind.InvalidJwksUri, jwksUri, jwksUriProblem));
        }

        if (request.Jwks is not null && request.JwksUri is not null)
        {
            problems.Add(new(ClientRegistrationProblemKind.InvalidJwks, null, "Register jwks or jwks_uri, not both (RFC 7591 §2)."));
        }

        foreach (var credential in request.FederatedCredentials ?? [])
        {
            if (credential.Problem() is { } credentialProblem)
            {
                problems.Add(new(ClientRegistrationProblemKind.InvalidFederatedCredential, credential.Issuer, credentialProblem));
            }
        }

        var assertionOnly = request.Jwks is not null || request.JwksUri is not null || request.FederatedCredentials is { Count: > 0 };
        if (assertionOnly && request.Type == ClientType.Public)
        {
            problems.Add(new(ClientRegistrationProblemKind.PublicClientKeys));
        }

        if (problems.Count > 0 || request is not { ClientId: { } id, Name: { } name, Type: { } type } || scope is null)
        {
            return new ClientRegistrationResult(null, null, problems);
        }

        // A client that authenticates with signed assertions has no secret at all: nothing to leak or rotate.
        var secret = type == ClientType.Confidential && !assertionOnly ? SecretValues.NewSecret() : null;
        var client = new OAuthClient
        {
            ClientId = id,
            Name = name.Trim(),
            Type = type,
            SecretHash = secret is null ? null : ClientSecretVerifier.HashSecret(secret),
            RedirectUris = [.. request.RedirectUris.Distinct(StringComparer.Ordinal)],
            PostLogoutRedirectUris = [.. (request.PostLogoutRedirectUris ?? []).Distinct(StringComparer.Ordinal)],
            AllowedScopes = scope.IsEmpty ? [.. policy.Scopes ?? known] : [.. scope.Values],
            AllowedGrantTypes = grants,
            RefreshWithoutOfflineAccess = request.RefreshWithoutOfflineAccess
                || (policy.RefreshTokenGrantKeepsSignedIn && grants.Contains(GrantTypes.RefreshToken)),
            MayIntrospect = request.MayIntrospect,
            DefaultResource = defaultResource,
            AllowedResources = policy.Resources,
            IdTokenSignedResponseAlg = request.IdTokenSignedResponseAlg,
            Jwks = request.Jwks,
            JwksUri = request.JwksUri,
            FederatedCredentials = [.. request.FederatedCredentials ?? []],
            TokenEndpointAuthMethod = request.TokenEndpointAuthMethod,
            DpopBoundAccessTokens = request.DpopBoundAccessTokens,
            RequirePushedAuthorizationRequests = request.RequirePushedAuthorizationRequests,
            ExpiresAt = policy.UnusedLifetime is { } lifetime && now is { } start ? start + lifetime : null,
        };
        return new ClientRegistrationResult(client, secret, []);
    }

    /// <summary>
    /// A name that shows what it says (RFC 7591 §5, RFC 6749 §10.2): no control characters, no format characters
    /// (bidirectional overrides and isolates, zero-width spaces and joiners, the byte-order mark) and no line or
    /// paragraph separators, any of which could make one app's name render as another's.
    /// </summary>
    public static bool IsSafeName(string name) => !name.Any(c => char.GetUnicodeCategory(c) is
        System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
        or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator);

    /// <summary>
    /// Names the consent page would show alike: trimmed, case ignored, full-width letters and digits as their ASCII
    /// forms, and compatibility-normalized (NFKC) where the platform has the Unicode data for it.
    /// </summary>
    public static bool SameName(string a, string b) => string.Equals(Folded(a), Folded(b), StringComparison.OrdinalIgnoreCase);

    private static string Folded(string name)
    {
        var ascii = new string([.. name.Trim().Select(c => c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c is '\u3000' ? ' ' : c)]);
        try
        {
            return ascii.Normalize(System.Text.NormalizationForm.FormKC);
        }
        catch (PlatformNotSupportedException)
        {
            return ascii;
        }
    }

    /// <summary>
    /// Why a redirect URI cannot be registered, or null: it must be absolute, ASCII, with no fragment (RFC 6749 §3.1.2), no
    /// user information and no wildcard (redirect URIs match exactly), and https unless it is loopback http (RFC 8252
    /// §7.3) or a private-use scheme named after a reverse domain name (RFC 8252 §7.1: "com.example.app:/cb"), which
    /// leaves out javascript:, data:, file: and every other scheme a browser would act on itself.
    /// </summary>
    public static string? RedirectUriProblem(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            return $"'{uri}' is not an absolute URI.";
        }

        if (uri.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return "A redirect URI may not contain control characters or spaces.";
        }

        if (!RedirectUriMatch.IsPrintableAscii(uri))
        {
            // A URI is ASCII (RFC 3986 §2); an IRI's other characters are percent-encoded (RFC 3987 §3.1).
            return "A redirect URI must be ASCII: percent-encode other characters (RFC 3986 §2.1) and write an international host name in its xn-- form.";
        }

        if (uri.Contains('#'))
        {
            return $"'{uri}' has a fragment, which RFC 6749 §3.1.2 forbids.";
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            return $"'{uri}' has user information.";
        }

        if (uri.Contains('*'))
        {
            return $"'{uri}' has a wildcard; redirect URIs are matched exactly, so register each one.";
        }

        if (parsed.Scheme == Uri.UriSchemeHttp && !parsed.IsLoopback)
        {
            return $"'{uri}' uses http for a host other than localhost; use https.";
        }

        if (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps && !parsed.Scheme.Contains('.'))
        {
            return $"'{uri}' uses the scheme '{parsed.Scheme}'; use https, loopback http, or a private-use scheme named after a domain you own (RFC 8252 §7.1).";
        }

        return null;
    }
}
