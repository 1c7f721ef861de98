using Serverless.OAuth.Clients;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Options;
using Serverless.OAuth.Tokens;
using Serverless.OAuth.Users;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The end of a completed interaction: the authorization code for what the user allowed, bound to the client, the
/// redirect URI, the PKCE challenge, the resources and the nonce (RFC 6749 §4.1.2, RFC 7636 §4.4, RFC 8707, OpenID
/// Connect Core §3.1.2.1), stored hashed and short-lived. The user signed in with a password just now, so that is the
/// ID token's auth_time and amr.
/// A dynamically registered client that a user authorizes is kept at least as long as the grant may live.
/// </summary>
public sealed class CodeIssuance(GrantStore grants, IClientStore clients, OAuthServerOptions options, TimeProvider clock)
{
    public async Task<string> IssueAsync(AuthorizationRequest request, OAuthUser user, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await KeepClientForTheGrantAsync(request.Client, now, cancellationToken);
        return await grants.CreateCodeAsync(
            new CodeGrant
            {
                ClientId = request.Client.ClientId,
                RedirectUri = request.RedirectUri,
                CodeChallenge = request.CodeChallenge,
                Scope = request.Scope.ToString(),
                Resources = string.Join(' ', request.Resources),
                Subject = user.Subject,
                AuthTime = now,
                AuthenticationMethods = Authentication.Password,
                Nonce = request.Nonce,
            },
            now + options.AuthorizationCodeLifetime,
            cancellationToken);
    }

    /// <summary>
    /// The grant's refresh tokens live at most RefreshTokenAbsoluteLifetime, and need their client. The client is
    /// extended by one unused lifetime more than that, so a client in steady use is written about once per unused
    /// lifetime, not on every authorization.
    /// </summary>
    private Task KeepClientForTheGrantAsync(OAuthClient client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var grantLivesUntil = now + options.RefreshTokenAbsoluteLifetime;
        return client.ExpiresAt is { } expiresAt && expiresAt < grantLivesUntil
            ? clients.ExtendAsync(client, grantLivesUntil + options.DynamicRegistration.UnusedLifetime, cancellationToken)
            : Task.CompletedTask;
    }
}
