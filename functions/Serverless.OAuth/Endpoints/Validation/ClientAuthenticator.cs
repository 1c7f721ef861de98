using System.Net;
using System.Text;
using Serverless.OAuth.Clients.Assertions;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Endpoints.Validation;

/// <summary>
/// Authenticates the client of a back-channel request: client_secret_basic (RFC 6749 §2.3.1, with form-url-encoded
/// id and secret), client_secret_post, private_key_jwt (<see cref="ClientAssertionAuthenticator"/>), or none for public
/// clients. Exactly one method per request.
/// </summary>
public sealed class ClientAuthenticator(ClientDirectory clients, ClientSecretVerifier secrets, ILockout lockout, ClientAssertionAuthenticator? assertions = null)
{
    /// <summary>The longest base64 Basic credentials accepted: far more than any client id and secret need.</summary>
    public const int MaxBasicCredentialsLength = 2048;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public static OAuthResult<ClientCredentials> ReadCredentials(string? authorizationHeader, OAuthParameters form)
    {
        if (form["client_assertion"] is not null || form["client_assertion_type"] is not null)
        {
            return ClientAssertionAuthenticator.ReadCredentials(authorizationHeader, form);
        }

        var postId = form["client_id"];
        var postSecret = form["client_secret"];
        if (authorizationHeader is { Length: > 0 })
        {
            if (!authorizationHeader.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                return OAuthError.InvalidClient("Only HTTP Basic client authentication is supported in the Authorization header.");
            }

            if (postSecret is not null)
            {
                return OAuthError.InvalidRequest("Use one client authentication method, not both Basic and client_secret.");
            }

            if (!TryParseBasic(authorizationHeader["Basic ".Length..].Trim(), out var id, out var secret))
            {
                return OAuthError.InvalidClient("The Basic credentials are malformed.");
            }

            if (postId is not null && postId != id)
            {
                return OAuthError.InvalidRequest("'client_id' does not match the Basic credentials.");
            }

            // Basic with an empty password carries no secret: the client authenticates as "none", which only a public
            // client may (the MCP SDK sends this for a metadata-document client when client_secret_basic is listed first).
            return secret.Length == 0
                ? new ClientCredentials(id, null, ClientCredentials.None)
                : new ClientCredentials(id, secret, ClientCredentials.Basic);
        }

        return postSecret is not null
            ? new ClientCredentials(postId, postSecret, ClientCredentials.Post)
            : new ClientCredentials(postId, null, ClientCredentials.None);
    }

    /// <param name="clientAddress">Where the request came from (see <see cref="Http.ClientAddress"/>), when known: failed
    /// secrets are throttled per address.</param>
    public async Task<OAuthResult<OAuthClient>> AuthenticateAsync(
        string? authorizationHeader, OAuthParameters form, string? clientAddress, CancellationToken cancellationToken)
    {
        var read = ReadCredentials(authorizationHeader, form);
        return read.Succeeded ? await AuthenticateAsync(read.Value, clientAddress, cancellationToken) : read.Error;
    }

    /// <summary>The client of credentials already read (<see cref="ReadCredentials"/>), so that a request reads them once.</summary>
    public async Task<OAuthResult<OAuthClient>> AuthenticateAsync(ClientCredentials credentials, string? clientAddress, CancellationToken cancellationToken)
    {
        if (credentials.Method == ClientCredentials.PrivateKeyJwt)
        {
            return assertions is null
                ? OAuthError.InvalidClient("Client assertions are not accepted here.")
                : await assertions.AuthenticateAsync(credentials, cancellationToken);
        }

        if (credentials.ClientId is null)
        {
            return OAuthError.InvalidClient("Client authentication is required: send client_id (and a secret for confidential clients).");
        }

        var found = await clients.FindAsync(credentials.ClientId, cancellationToken);
        if (!found.Succeeded)
        {
            return OAuthError.InvalidClient("Client authentication failed.");
        }

        var client = found.Value;

        // RFC 7591 §2: a client that registered its token_endpoint_auth_method authenticates with that one only.
        if (client.TokenEndpointAuthMethod is { } registered && registered != credentials.Method)
        {
            return OAuthError.InvalidClient($"This client is registered to authenticate with {registered}.");
        }

        if (client.IsPublic)
        {
            return credentials.Secret is null
                ? client
                : OAuthError.InvalidClient("Public clients do not authenticate with a secret.");
        }

        if (credentials.Secret is not { } secret)
        {
            return OAuthError.InvalidClient("Client authentication failed.");
        }

        // A secret verified recently is accepted from memory; anything else pays PBKDF2, under the throttle of the
        // address it comes from. Not under a lock of the client: its secret is 256 bits generated by this server, so
        // guessing it is hopeless, and a lock by client id (which is no secret) would let anyone lock the client out.
        if (secrets.IsRemembered(client, secret))
        {
            return client;
        }

        LockoutKey[] keys = [LockoutKey.ForAddress(clientAddress ?? LockoutKey.UnknownAddress)];
        var attempt = await lockout.AttemptAsync(keys, async _ => await secrets.VerifyAsync(client, secret) ? client : null, cancellationToken);
        return attempt switch
        {
            { Value: { } verified } => verified,
            { Busy: true } => OAuthError.TemporarilyUnavailable("Too many client authentications are being checked at once; try again shortly."),
            { Checked: false, LockedFor: { } wait } => OAuthError.TooManyAttempts("Too many failed client authentications from this address.", wait),
            _ => OAuthError.InvalidClient("Client authentication failed."),
        };
    }

    private static bool TryParseBasic(string encoded, out string clientId, out string secret)
    {
        clientId = secret = "";
        if (encoded.Length is 0 or > MaxBasicCredentialsLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var length))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(bytes[..length]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        clientId = WebUtility.UrlDecode(decoded[..colon]);
        secret = WebUtility.UrlDecode(decoded[(colon + 1)..]);
        return clientId.Length > 0;
    }
}
