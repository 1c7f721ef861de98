using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// Sends the user to an upstream provider to sign in (the user chose it on the sign-in page, or the client's
/// domain_hint named it): the provider's metadata first, so an unreachable provider is a 503 with nothing written;
/// then the pending sign-in (<see cref="PendingSignInStore"/>) and the browser's binding cookie; then the redirect.
/// The provider's answer comes to <see cref="UpstreamCallback"/>, which resumes this authorization.
/// </summary>
public sealed class UpstreamChallenge(PendingSignInStore pending, OAuthServerOptions options)
{
    public const string CallbackPathPrefix = "/signin/";
    public const string CallbackPathSuffix = "/callback";

    /// <summary>One callback per provider: an answer is only taken on the address of the provider that was asked (RFC 9700 §4.4.2.2).</summary>
    public string RedirectUri(string provider) => options.Issuer.TrimEnd('/') + CallbackPathPrefix + provider + CallbackPathSuffix;

    /// <summary>The sign-in of an authorization: the callback resumes it.</summary>
    public Task<EndpointResult> StartAsync(AuthorizationRequest request, UpstreamProvider provider, CancellationToken cancellationToken) =>
        StartAsync(provider, request.FormFields(), new UpstreamHints(request.LoginHint, request.Prompt.Login, request.MaxAge, request.DomainHint), returnTo: null, cancellationToken);

    /// <summary>
    /// A sign-in for a page of this server rather than for an authorization (the account page, the device page): the
    /// callback starts the session and sends the browser to <paramref name="returnTo"/>, a path of this server (e.g.
    /// "/account").
    /// </summary>
    public Task<EndpointResult> StartForPageAsync(UpstreamProvider provider, string returnTo, CancellationToken cancellationToken) =>
        StartAsync(provider, [], new UpstreamHints(null, false, null, null), returnTo, cancellationToken);

    private async Task<EndpointResult> StartAsync(
        UpstreamProvider provider, IEnumerable<(string Name, string Value)> request, UpstreamHints hints, string? returnTo, CancellationToken cancellationToken)
    {
        var configuration = await provider.GetConfigurationAsync(cancellationToken);
        var attempt = UpstreamAttempt.New();
        var binding = SecretValues.NewSecret();
        var location = provider.AuthorizationUrl(configuration, RedirectUri(provider.Name), attempt, hints);
        await pending.AddAsync(attempt, provider.Name, binding, request, cancellationToken, returnTo);
        return new RedirectTo(location) { SignInBinding = new SessionCookie(binding, options.Upstream.SignInLifetime) };
    }
}
