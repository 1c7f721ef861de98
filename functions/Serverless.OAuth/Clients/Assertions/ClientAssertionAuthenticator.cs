using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Clients.Assertions;

/// <summary>
/// Client authentication by a signed JWT in <c>client_assertion</c> (RFC 7521 §4.2, RFC 7523 §2.2 and §3), one of two
/// kinds, told apart by the assertion's <c>iss</c>:
/// <list type="bullet">
/// <item><c>private_key_jwt</c> (OpenID Connect Core §9): <c>iss</c> = <c>sub</c> = the client id, signed with a key of
/// the client's registered JWK Set (<see cref="ClientKeys"/>); <c>aud</c> this server's issuer or token endpoint; an
/// <c>exp</c> at most <see cref="ClientAssertionOptions.MaxLifetime"/> away; a <c>jti</c> used once, across every
/// instance (<see cref="OneTimeIds"/>).</item>
/// <item>workload identity federation: a token of an issuer the operator trusts for this client
/// (<see cref="FederatedCredential"/>), validated against that issuer's discovered keys, with the subject and audience
/// the credential names. Such tokens are minted by the platform and reused for their lifetime (a managed identity's
/// token is cached by the platform), so they are not single-use; their audience binds them to this server.</item>
/// </list>
/// Asymmetric signatures only: <c>none</c> and HMAC are refused whatever the keys. Every refusal is invalid_client and
/// writes nothing: the jti is recorded only once everything else holds.
/// </summary>
public sealed class ClientAssertionAuthenticator(
    ClientDirectory clients,
    ClientKeys keys,
    TrustedIssuers issuers,
    OneTimeIds oneTimeIds,
    OAuthServerOptions options,
    TimeProvider clock,
    ILogger<ClientAssertionAuthenticator> logger)
{
    /// <summary>The only client_assertion_type (RFC 7523 §2.2).</summary>
    public const string JwtBearerType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>The longest assertion read: a federated token with many claims fits easily.</summary>
    public const int MaxAssertionLength = 16 * 1024;

    /// <summary>Signature algorithms accepted for assertions: asymmetric only, never none or HS*.</summary>
    public static readonly IReadOnlyList<string> Algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>
    /// Reads the assertion parameters of a request that has them: exactly the jwt-bearer type, and no other client
    /// authentication beside them (RFC 6749 §2.3: one method per request).
    /// </summary>
    public static OAuthResult<ClientCredentials> ReadCredentials(string? authorizationHeader, OAuthParameters form)
    {
        if (form["client_assertion_type"] != JwtBearerType)
        {
            return OAuthError.InvalidClient($"'client_assertion_type' must be {JwtBearerType}.");
        }

        if (form["client_assertion"] is not { Length: > 0 } assertion)
        {
            return OAuthError.InvalidClient("'client_assertion' is missing.");
        }

        if (authorizationHeader is { Length: > 0 } || form["client_secret"] is not null)
        {
            return OAuthError.InvalidRequest("Use one client authentication method, not a client assertion and a secret.");
        }

        return new ClientCredentials(form["client_id"], null, ClientCredentials.PrivateKeyJwt) { Assertion = assertion };
    }

    public async Task<OAuthResult<OAuthClient>> AuthenticateAsync(ClientCredentials credentials, CancellationToken cancellationToken)
    {
        var assertion = credentials.Assertion ?? "";
        if (assertion.Length > MaxAssertionLength || !_handler.CanReadToken(assertion))
        {
            return Refused(credentials.ClientId ?? "", "malformed");
        }

        JsonWebToken unverified;
        try
        {
            unverified = _handler.ReadJsonWebToken(assertion);
        }
        catch (ArgumentException)
        {
            return Refused(credentials.ClientId ?? "", "malformed");
        }

        // The client is the one client_id names, or for private_key_jwt the assertion's subject (RFC 7523 §3: it is the
        // client id, and client_id is optional beside an assertion).
        var clientId = credentials.ClientId ?? (unverified.TryGetPayloadValue<string>("sub", out var sub) ? sub : null);
        if (clientId is not { Length: > 0 and <= 2048 })
        {
            return Refused("", "no client id");
        }

        var found = await clients.FindAsync(clientId, cancellationToken);
        if (!found.Succeeded || found.Value.IsPublic)
        {
            return Refused(clientId, "unknown or public client");
        }

        var client = found.Value;
        var issuer = unverified.TryGetPayloadValue<string>("iss", out var iss) ? iss : null;
        if (issuer == client.ClientId)
        {
            return client.HasKeys ? await PrivateKeyJwtAsync(client, assertion, unverified, cancellationToken) : Refused(clientId, "no keys registered");
        }

        var credential = client.FederatedCredentials.FirstOrDefault(c => c.Issuer == issuer);
        return credential is null
            ? Refused(clientId, "issuer not trusted for this client")
            : await FederatedAsync(client, credential, assertion, cancellationToken);
    }

    /// <summary>What this server accepts as an assertion's audience: its issuer identifier or its token endpoint (RFC 7523 §3).</summary>
    public IReadOnlyList<string> Audiences
    {
        get
        {
            var issuer = options.Issuer.TrimEnd('/');
            return [issuer, issuer + "/", issuer + "/token"];
        }
    }

    private async Task<OAuthResult<OAuthClient>> PrivateKeyJwtAsync(OAuthClient client, string assertion, JsonWebToken unverified, CancellationToken cancellationToken)
    {
        var signingKeys = await keys.GetAsync(client, unverified.Kid is { Length: > 0 } kid ? kid : null, cancellationToken);
        if (signingKeys is null)
        {
            return Refused(client.ClientId, "keys unavailable");
        }

        var settings = options.ClientAssertions;
        var result = await _handler.ValidateTokenAsync(assertion, Parameters(client.ClientId, Audiences, signingKeys, settings.MaxLifetime));
        if (!result.IsValid)
        {
            return Refused(client.ClientId, Reason(result.Exception));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (!jwt.TryGetPayloadValue<string>("sub", out var subject) || subject != client.ClientId)
        {
            return Refused(client.ClientId, "sub is not the client id");
        }

        if (!jwt.TryGetPayloadValue<string>("jti", out var jti) || jti is not { Length: > 0 and <= 512 })
        {
            return Refused(client.ClientId, "no jti");
        }

        // Remembered until the assertion could no longer be accepted anyway.
        if (!await oneTimeIds.TryUseAsync("client_assertion:" + client.ClientId, jti, jwt.ValidTo + settings.ClockSkew, cancellationToken))
        {
            return Refused(client.ClientId, "jti used before");
        }

        return client;
    }

    private async Task<OAuthResult<OAuthClient>> FederatedAsync(OAuthClient client, FederatedCredential credential, string assertion, CancellationToken cancellationToken)
    {
        var parameters = Parameters(credential.Issuer, [credential.Audience ?? options.Issuer.TrimEnd('/')], null, maxLifetime: null);
        parameters.ConfigurationManager = issuers.For(credential.Issuer);
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(assertion, parameters);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            return Refused(client.ClientId, "the issuer's keys are unavailable");
        }

        if (!result.IsValid)
        {
            return Refused(client.ClientId, Reason(result.Exception));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        return jwt.TryGetPayloadValue<string>("sub", out var subject) && subject == credential.Subject
            ? client
            : Refused(client.ClientId, "the subject is not the one trusted");
    }

    /// <summary>
    /// Validation of a signed JWT from <paramref name="issuer"/> for one of <paramref name="audiences"/>: asymmetric
    /// algorithms only, exp required, lifetime by the server's clock, at most <paramref name="maxLifetime"/> ahead.
    /// </summary>
    internal TokenValidationParameters Parameters(string issuer, IReadOnlyList<string> audiences, IReadOnlyList<SecurityKey>? signingKeys, TimeSpan? maxLifetime)
    {
        var skew = options.ClientAssertions.ClockSkew;
        return new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudiences = audiences,
            ValidAlgorithms = [.. Algorithms],
            IssuerSigningKeys = signingKeys,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = false,
            ClockSkew = skew,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                return expires is { } exp
                    && exp + skew > now
                    && (maxLifetime is not { } max || exp - skew <= now + max)
                    && (notBefore is null || notBefore.Value - skew <= now);
            },
        };
    }

    private static string Reason(Exception? exception) => exception switch
    {
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException or SecurityTokenNotYetValidException or SecurityTokenNoExpirationException => "expired or too long-lived",
        SecurityTokenInvalidAlgorithmException => "algorithm not accepted",
        SecurityTokenSignatureKeyNotFoundException => "unknown signing key",
        SecurityTokenInvalidSignatureException => "bad signature",
        _ => "invalid",
    };

    private OAuthError Refused(string clientId, string reason)
    {
        // The client id may come unverified from the assertion: logged only when it is one this server could register.
        AssertionEvents.AssertionRefused(logger, OAuthClient.IsValidClientId(clientId) ? clientId : "(unrecognised)", reason);
        return OAuthError.InvalidClient("Client authentication failed.");
    }
}
