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

    public async Task<EndpointResult> StartAsync(AuthorizationRequest request, UpstreamProvider provider, CancellationToken cancellationToken)
    {
        var configuration = await provider.GetConfigurationAsync(cancellationToken);
        var attempt = UpstreamAttempt.New();
        var binding = SecretValues.NewSecret();
        var hints = new UpstreamHints(request.LoginHint, request.Prompt.Login, request.MaxAge, request.DomainHint);
        var location = provider.AuthorizationUrl(configuration, RedirectUri(provider.Name), attempt, hints);
        await pending.AddAsync(attempt, provider.Name, binding, request.FormFields(), cancellationToken);
        return new RedirectTo(location) { SignInBinding = new SessionCookie(binding, options.Upstream.SignInLifetime) };
    }
}
