using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// GET /signin/{provider}/callback: an upstream provider's answer (RFC 6749 §4.1.2). Before anything is believed, the
/// state must name a pending sign-in (taken once), asked of this very provider (the answer came back on its own
/// callback: mix-up, RFC 9700 §4.4.2.2) from this very browser (its binding cookie); the pending authorization request
/// is validated again as on /authorize. From then on the client's redirect URI is verified, so what goes wrong
/// (cancelled, refused, an invalid ID token, a tenant or user the policy does not allow) goes back to the client as an
/// OAuth error; what went wrong before that is a page. An unreachable provider is a 503 page, before any account or
/// session is written. Then: the account (<see cref="UpstreamAccounts"/>), a new session, and the authorization resumes
/// (<see cref="AuthorizationInteraction.ContinueAsync"/>). Neither the code nor any token of the provider is logged.
/// </summary>
public sealed class UpstreamCallback(
    UpstreamProviders providers,
    PendingSignInStore pending,
    UpstreamChallenge challenge,
    UpstreamAccounts accounts,
    PushedAuthorizationRequests requests,
    AuthorizationInteraction interaction,
    LoginStep login,
    OAuthServerOptions options,
    ILogger<UpstreamCallback> logger)
{
    public const string Route = "/signin/callback";

    public async Task<EndpointResult> HandleAsync(string provider, OAuthParameters answer, string? bindingCookie, string? sessionCookie, CancellationToken cancellationToken)
    {
        if (answer.StructuralError is not null || answer["state"] is not { } state)
        {
            return Page(provider, UpstreamEvents.Results.InvalidState, "This sign-in answer is not one this server asked for. Go back to the application and start again.");
        }

        var attempt = await pending.TakeAsync(state, cancellationToken);
        if (attempt is null)
        {
            return Page(provider, UpstreamEvents.Results.InvalidState, "This sign-in has expired or was already completed. Go back to the application and start again.");
        }

        if (attempt.Provider != provider)
        {
            return Page(attempt.Provider, UpstreamEvents.Results.MixUp, "This sign-in answer came back from another identity provider than the one asked. Go back to the application and start again.");
        }

        if (bindingCookie is null || !SecretValues.HashEquals(attempt.BrowserHash, bindingCookie))
        {
            return Page(provider, UpstreamEvents.Results.OtherBrowser, "This sign-in was started in another browser. Go back to the application and start again here.");
        }

        if (providers.Find(provider) is not { } upstream)
        {
            return Page(provider, UpstreamEvents.Results.InvalidState, "This way of signing in is no longer available. Go back to the application and start again.");
        }

        // A sign-in for a page of this server (the account page, the device page) has no authorization to resume: what goes wrong is a page.
        if (attempt.ReturnTo.Length > 0)
        {
            return await AnswerAsync(null, attempt.ReturnTo, upstream, provider, state, answer, sessionCookie, cancellationToken);
        }

        // A pushed request (RFC 9126) comes back as its request_uri, bound to this browser's binding cookie.
        var validation = await requests.ValidateContinuedAsync(OAuthParameters.From(QueryHelpers.ParseQuery(attempt.Request)), bindingCookie, cancellationToken);
        if (!validation.Succeeded)
        {
            return AuthorizationResponse.Error(validation.Error, options.Issuer);
        }

        return await requests.SettleAsync(validation.Value, await AnswerAsync(validation.Value, null, upstream, provider, state, answer, sessionCookie, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The provider's answer, once the request's redirect URI is verified (an OAuth error to the client) or, for a page
    /// of this server (<paramref name="returnTo"/>), with no request (an error page): what went wrong, or the sign-in.
    /// </summary>
    private async Task<EndpointResult> AnswerAsync(
        AuthorizationRequest? request, string? returnTo, UpstreamProvider upstream, string provider, string state, OAuthParameters answer, string? sessionCookie, CancellationToken cancellationToken)
    {
        if (answer["error"] is { } error)
        {
            // RFC 6749 §4.1.2.1. The provider's description is not passed on: it is the provider's text, not ours.
            var cancelled = error == OAuthErrorCodes.AccessDenied;
            UpstreamEvents.Refused(logger, provider, cancelled ? UpstreamEvents.Results.Cancelled : UpstreamEvents.Results.UpstreamError);
            return Refused(request, error == OAuthErrorCodes.TemporarilyUnavailable
                ? OAuthError.TemporarilyUnavailable($"{upstream.DisplayName} is temporarily unable to sign you in; try again shortly.")
                : OAuthError.AccessDenied(cancelled ? $"The sign-in at {upstream.DisplayName} was cancelled." : $"The sign-in at {upstream.DisplayName} failed."));
        }

        if (answer["code"] is not { } code)
        {
            UpstreamEvents.Refused(logger, provider, UpstreamEvents.Results.UpstreamError);
            return Refused(request, OAuthError.AccessDenied($"{upstream.DisplayName} answered without a sign-in."));
        }

        var configuration = await upstream.GetConfigurationAsync(cancellationToken);
        if (UpstreamProvider.IssuerParameterProblem(configuration, answer["iss"]) is { } mixUp)
        {
            UpstreamEvents.Refused(logger, provider, UpstreamEvents.Results.MixUp);
            return Refused(request, OAuthError.AccessDenied(mixUp));
        }

        var identity = await upstream.RedeemAsync(
            configuration, code, challenge.RedirectUri(provider), new UpstreamAttempt(state), answer["iss"], cancellationToken);
        if (!identity.Succeeded)
        {
            UpstreamEvents.Refused(logger, provider, UpstreamEvents.Results.InvalidToken);
            return Refused(request, identity.Error);
        }

        var account = await accounts.SignInAsync(upstream, identity.Value, cancellationToken);
        if (!account.Succeeded)
        {
            UpstreamEvents.Refused(logger, provider, UpstreamEvents.Results.NotAllowed);
            return Refused(request, account.Error);
        }

        var user = account.Value;
        var started = await login.StartSessionAsync(user with { Username = identity.Value.Label ?? user.Username }, identity.Value.Amr, sessionCookie, cancellationToken);
        var cookie = new SessionCookie(started.CookieValue, options.SessionAbsoluteLifetime);
        UpstreamEvents.Succeeded(logger, provider, request?.Client.ClientId ?? AccountEndpoint.AuditClientId, user.Subject);
        if (request is null)
        {
            return new RedirectTo(options.Issuer.TrimEnd('/') + returnTo) { Session = cookie, SignInBinding = SessionCookie.Cleared };
        }

        return await interaction.ContinueAsync(request, started.Session, cookie, cancellationToken) with { SignInBinding = SessionCookie.Cleared };
    }

    /// <summary>
    /// To the client as an OAuth error; a sign-in for a page of this server has no client, so the user gets a page: a 503
    /// (with Retry-After) when the provider is temporarily unavailable, since trying again later may work.
    /// </summary>
    private EndpointResult Refused(AuthorizationRequest? request, OAuthError error) =>
        request is not null ? AuthorizationResponse.Error(request.Redirected(error), options.Issuer)
        : HtmlPage.ForError(error);

    private EndpointResult Page(string provider, string result, string description)
    {
        UpstreamEvents.Refused(logger, providers.Find(provider)?.Name ?? "unknown", result);
        ServerTelemetry.Error(Route, OAuthErrorCodes.InvalidRequest);
        return new HtmlPage(ErrorPage.Render(OAuthError.InvalidRequest(description)), Status: 400);
    }
}
