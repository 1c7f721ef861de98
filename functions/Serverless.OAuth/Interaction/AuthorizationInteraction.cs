using Serverless.OAuth.Clients.Apis;
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
/// What happens between a valid authorization request and its response: who the user is (the sign-in session, or the
/// password, <see cref="LoginStep"/>), what they allow (<see cref="ConsentStep"/>), and the code
/// (<see cref="CodeIssuance"/>). <see cref="Endpoints.AuthorizeEndpoint"/> validates the request and hands off here. A
/// signed-in user who allowed everything asked before gets the code at once; otherwise one page asks for what is
/// missing (the password, the consent, or both), and its answer resumes the authorization. With prompt=none no page is
/// ever shown: what would need one goes back as an error (OpenID Connect Core §3.1.2.6). A user who signs in with an
/// upstream provider instead (<see cref="UpstreamChallenge"/>) comes back through <see cref="UpstreamCallback"/>, which
/// resumes here (<see cref="ContinueAsync"/>): the code, or the consent page when something new must be allowed.
/// </summary>
public sealed class AuthorizationInteraction(
    LoginStep login, ConsentStep consent, CodeIssuance codes, IApiStore apis, UpstreamProviders upstream, UpstreamChallenge challenge, OAuthServerOptions options)
{
    /// <summary>Starts the interaction: the code at once when nothing needs asking, otherwise the page, with a new CSRF token.</summary>
    public async Task<EndpointResult> StartAsync(AuthorizationRequest request, string? sessionCookie, CancellationToken cancellationToken)
    {
        var session = await login.SessionForAsync(request, sessionCookie, cancellationToken);
        if (session is null)
        {
            // A client that names the user's organisation (domain_hint, or a login_hint in its domain) skips the choice.
            if (!request.Prompt.None && upstream.ForHint(request.DomainHint, request.LoginHint) is { } provider)
            {
                return await challenge.StartAsync(request, provider, cancellationToken);
            }

            return request.Prompt.None
                ? Refused(request, OAuthError.LoginRequired("The user must sign in."))
                : await SignInPageAsync(request, CsrfGuard.NewToken(), session: null, request.Scope, request.LoginHint, problem: null, cancellationToken);
        }

        var question = await consent.QuestionAsync(request, session.Subject, cancellationToken);
        if (!question.Needed)
        {
            return AuthorizationResponse.Code(request, await codes.IssueAsync(request, session, question, cancellationToken), options.Issuer);
        }

        return request.Prompt.None
            ? Refused(request, OAuthError.ConsentRequired("The user has not allowed this request."))
            : await SignInPageAsync(request, CsrfGuard.NewToken(), session, question.Scope, username: null, problem: null, cancellationToken);
    }

    /// <summary>Resumes it with what the page posted: back to the page with a problem, or the authorization response.</summary>
    public async Task<EndpointResult> ResumeAsync(
        AuthorizationRequest request, InteractionForm form, string? csrfCookie, string? sessionCookie, string? clientAddress, CancellationToken cancellationToken)
    {
        // No page is ever shown for prompt=none, so nothing was posted from one: the request is answered as a GET.
        if (request.Prompt.None)
        {
            return await StartAsync(request, sessionCookie, cancellationToken);
        }

        // A mismatch shows a page, never a redirect, so a forged post cannot steer the user anywhere.
        if (!form.CameFromOurPage(csrfCookie))
        {
            return HtmlPage.ForError(
                OAuthError.InvalidRequest("The sign-in form expired or did not come from this server. Go back to the application and start again."), 400);
        }

        if (form.Provider is { } chosen)
        {
            return upstream.Find(chosen) is { } provider
                ? await challenge.StartAsync(request, provider, cancellationToken)
                : await SignInPageAsync(request, csrfCookie, session: null, request.Scope, request.LoginHint, "That way of signing in is not available. Choose another.", cancellationToken);
        }

        if (consent.Refusal(request, form.Decision) is { } refusal)
        {
            return AuthorizationResponse.Error(refusal, options.Issuer);
        }

        var session = await login.SessionForAsync(request, sessionCookie, cancellationToken);
        SessionCookie? started = null;
        Task<ConsentQuestion>? asking = null;
        if (session is null)
        {
            // The page was shown for a session that has ended since: ask for the password, without counting a failure.
            if (form.Username is null && form.Password is null)
            {
                return await SignInPageAsync(request, csrfCookie, session: null, request.Scope, request.LoginHint, "Your sign-in has ended. Sign in again to continue.", cancellationToken);
            }

            if (!options.LocalAccounts.Enabled)
            {
                return await SignInPageAsync(request, csrfCookie, session: null, request.Scope, null, "Sign in with one of the ways shown.", cancellationToken);
            }

            var signIn = await login.SignInAsync(request.Client.ClientId, form.Username, form.Password, clientAddress, cancellationToken);
            if (signIn.User is not { } user)
            {
                return await SignInPageAsync(request, csrfCookie, session: null, request.Scope, form.Username, signIn.Problem, cancellationToken);
            }

            if (LoginStep.NotTheHintedUser(request, user) is { } notHinted)
            {
                return await SignInPageAsync(request, csrfCookie, session: null, request.Scope, username: null, notHinted, cancellationToken);
            }

            // The remembered consent is read while the new session is written: neither waits for the other.
            asking = consent.QuestionAsync(request, user.Subject, cancellationToken);
            var newSession = await login.StartSessionAsync(user, sessionCookie, cancellationToken);
            session = newSession.Session;
            started = new SessionCookie(newSession.CookieValue, options.SessionAbsoluteLifetime);
        }

        var question = await (asking ?? consent.QuestionAsync(request, session.Subject, cancellationToken));
        var code = await codes.IssueAsync(request, session, question, cancellationToken);
        consent.Granted(request, session.Subject, question);
        return AuthorizationResponse.Code(request, code, options.Issuer) with { Session = started };
    }

    /// <summary>
    /// Resumes the authorization of a user who has just signed in elsewhere (an upstream provider) and whose new session
    /// is <paramref name="started"/>: the code when everything asked was allowed before, otherwise the consent page.
    /// </summary>
    public async Task<EndpointResult> ContinueAsync(AuthorizationRequest request, SignInSession session, SessionCookie started, CancellationToken cancellationToken)
    {
        var question = await consent.QuestionAsync(request, session.Subject, cancellationToken);
        if (!question.Needed)
        {
            return AuthorizationResponse.Code(request, await codes.IssueAsync(request, session, question, cancellationToken), options.Issuer) with { Session = started };
        }

        return await SignInPageAsync(request, SecretValues.NewSecret(), session, question.Scope, username: null, problem: null, cancellationToken) with { Session = started };
    }

    private EndpointResult Refused(AuthorizationRequest request, OAuthError error) =>
        AuthorizationResponse.Error(request.Redirected(error), options.Issuer);

    /// <summary>
    /// The page's form answers with a redirect to the client's origin, or, when the user picks a provider, to that
    /// provider: its Content-Security-Policy's form-action must allow them.
    /// </summary>
    private async Task<EndpointResult> SignInPageAsync(
        AuthorizationRequest request, string csrf, SignInSession? session, ScopeSet scope, string? username, string? problem, CancellationToken cancellationToken)
    {
        var providers = session is null ? upstream.All : [];
        var targets = providers.SelectMany(p => p.FormTargets()).Prepend(new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.Ordinal);
        return new HtmlPage(
            LoginPage.Render(request, options, await apis.GetCatalogAsync(cancellationToken), csrf, session, scope, username, problem, providers),
            CsrfCookie: csrf,
            FormTarget: string.Join(' ', targets));
    }
}
