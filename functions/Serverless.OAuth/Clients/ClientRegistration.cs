using System.Diagnostics.CodeAnalysis;
using Serverless.OAuth.Apis;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients;

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
    IReadOnlyList<FederatedCredential>? FederatedCredentials = null);

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
/// The rules of a valid client: its id, name and type; grants this server knows, with client_credentials and
/// introspection for confidential clients only; a redirect URI for the code grant, each registrable (RFC 6749 §3.1.2);
/// scopes this server knows, its own or a registered API's (all of them when none is asked for); a default resource
/// that is a registered API. A confidential client gets a generated secret, of which only the hash is kept.
/// </summary>
public static class ClientRegistration
{
    /// <summary>Applies the rules: the client to store, or every problem at once.</summary>
    public static ClientRegistrationResult Register(ClientRegistrationRequest request, OAuthServerOptions options, ApiCatalog apis)
    {
        string[] known = [.. options.ServerScopes, .. apis.ScopeNames];
        var grants = request.GrantTypes.Count > 0 ? request.GrantTypes.Distinct(StringComparer.Ordinal).ToArray() : [GrantTypes.AuthorizationCode];
        var scope = ScopeSet.Parse(request.Scope ?? "");
        var problems = new List<ClientRegistrationProblem>();
        if (!OAuthClient.IsValidClientId(request.ClientId))
        {
            problems.Add(new(ClientRegistrationProblemKind.InvalidClientId));
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            problems.Add(new(ClientRegistrationProblemKind.MissingName));
        }

        if (request.Type is null)
        {
            problems.Add(new(ClientRegistrationProblemKind.MissingType));
        }

        problems.AddRange(grants.Where(g => !GrantTypes.All.Contains(g)).Select(g => new ClientRegistrationProblem(ClientRegistrationProblemKind.UnknownGrant, g)));
        if (request.Type == ClientType.Public && grants.Contains(GrantTypes.ClientCredentials))
        {
            problems.Add(new(ClientRegistrationProblemKind.PublicClientCredentials));
        }

        if (request.MayIntrospect && request.Type != ClientType.Confidential)
        {
            problems.Add(new(ClientRegistrationProblemKind.PublicIntrospection));
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
        }

        if (request.DefaultResource is { } resource && apis.Find(resource) is null)
        {
            problems.Add(new(ClientRegistrationProblemKind.UnknownResource, resource));
        }

        if (request.IdTokenSignedResponseAlg is { } idTokenAlgorithm && !options.Signing.Algorithms.Contains(idTokenAlgorithm))
        {
            problems.Add(new(ClientRegistrationProblemKind.UnsupportedIdTokenAlgorithm, idTokenAlgorithm));
        }

        if (request.Jwks is { } jwks && !Assertions.ClientJwks.TryRead(jwks, out _, out var jwksProblem))
        {
            problems.Add(new(ClientRegistrationProblemKind.InvalidJwks, null, jwksProblem));
        }

        if (request.JwksUri is { } jwksUri && Assertions.ClientJwks.UriProblem(jwksUri) is { } jwksUriProblem)
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
            AllowedScopes = scope.IsEmpty ? known : [.. scope.Values],
            AllowedGrantTypes = grants,
            RefreshWithoutOfflineAccess = request.RefreshWithoutOfflineAccess,
            MayIntrospect = request.MayIntrospect,
            DefaultResource = request.DefaultResource,
            IdTokenSignedResponseAlg = request.IdTokenSignedResponseAlg,
            Jwks = request.Jwks,
            JwksUri = request.JwksUri,
            FederatedCredentials = [.. request.FederatedCredentials ?? []],
        };
        return new ClientRegistrationResult(client, secret, []);
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
