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
/// What happens between a valid authorization request and its response, in two steps. First who the user is: the
/// browser's sign-in session, or else the "how do you sign in" step (<see cref="LoginPage"/>: a provider's button,
/// <see cref="UpstreamChallenge"/>, or the password, <see cref="LoginStep"/>), which starts a session. Then what they
/// allow (<see cref="ConsentStep"/>), asked (<see cref="ConsentPage"/>) only when something new must be granted or
/// prompt=consent says so; then the code (<see cref="CodeIssuance"/>). <see cref="AuthorizeEndpoint"/>
/// validates the request and hands off here (<see cref="StartAsync"/>); each page's post resumes it
/// (<see cref="ResumeAsync"/>), and so does the upstream callback once the provider has answered
/// (<see cref="ContinueAsync"/>). With prompt=none no page is ever shown: what would need one goes back as an error
/// (OpenID Connect Core §3.1.2.6).
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
                : SignInPage(request, CsrfGuard.NewToken(), request.LoginHint, problem: null);
        }

        var question = await consent.QuestionAsync(request, session.Subject, cancellationToken);
        if (!question.Needed)
        {
            return AuthorizationResponse.Code(request, await codes.IssueAsync(request, session, question, cancellationToken), options.Issuer);
        }

        return request.Prompt.None
            ? Refused(request, OAuthError.ConsentRequired("The user has not allowed this request."))
            : await ConsentPageAsync(request, session, question, cancellationToken);
    }

    /// <summary>
    /// Resumes it with what a page posted: a provider chosen, Cancel or Deny, the password (the sign-in step), or Allow
    /// (the consent step). Back to the page with a problem, or on to the next step or the authorization response.
    /// </summary>
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
                OAuthError.InvalidRequest("The sign-in form expired or did not come from this server. Go back to the application and start again."));
        }

        if (form.Provider is { } chosen)
        {
            return upstream.Find(chosen) is { } provider
                ? await challenge.StartAsync(request, provider, cancellationToken)
                : SignInPage(request, csrfCookie, request.LoginHint, "That way of signing in is not available. Choose another.");
        }

        // Cancel (sign-in step) or Deny (consent step): back to the client at once, and no password is checked for it.
        if (form.Decision == FieldNames.Deny)
        {
            return AuthorizationResponse.Error(consent.Refusal(request, form.Decision)!, options.Issuer);
        }

        if (form.Username is not null || form.Password is not null)
        {
            return await SignInWithPasswordAsync(request, form, csrfCookie, sessionCookie, clientAddress, cancellationToken);
        }

        if (consent.Refusal(request, form.Decision) is { } refusal)
        {
            return AuthorizationResponse.Error(refusal, options.Issuer);
        }

        // Allow on the consent page: the session it was shown for must still stand in for the sign-in.
        var session = await login.SessionForAsync(request, sessionCookie, cancellationToken);
        if (session is null)
        {
            return SignInPage(request, csrfCookie, request.LoginHint, "Your sign-in has ended. Sign in again to continue.");
        }

        var question = await consent.QuestionAsync(request, session.Subject, cancellationToken);
        var code = await codes.IssueAsync(request, session, question, cancellationToken);
        consent.Granted(request, session.Subject, question);
        return AuthorizationResponse.Code(request, code, options.Issuer);
    }

    /// <summary>
    /// Resumes the authorization of a user who has just signed in (with the password, or at an upstream provider) and
    /// whose new session is <paramref name="started"/>: the code when everything asked was allowed before, otherwise
    /// the consent page. The session cookie goes with either answer.
    /// </summary>
    public Task<EndpointResult> ContinueAsync(AuthorizationRequest request, SignInSession session, SessionCookie started, CancellationToken cancellationToken) =>
        ContinueAsync(request, session, started, consent.QuestionAsync(request, session.Subject, cancellationToken), cancellationToken);

    private async Task<EndpointResult> ContinueAsync(
        AuthorizationRequest request, SignInSession session, SessionCookie started, Task<ConsentQuestion> asking, CancellationToken cancellationToken)
    {
        var question = await asking;
        if (!question.Needed)
        {
            return AuthorizationResponse.Code(request, await codes.IssueAsync(request, session, question, cancellationToken), options.Issuer) with { Session = started };
        }

        // The sign-in prompt=login or max_age asked for has just happened (its time is the ID token's auth_time, which
        // is always sent, OpenID Connect Core §3.1.2.1): the consent page's post must not ask for it again.
        var signedIn = request with { Prompt = request.Prompt with { Login = false }, MaxAge = null };
        return await ConsentPageAsync(signedIn, session, question, cancellationToken) with { Session = started };
    }

    private async Task<EndpointResult> SignInWithPasswordAsync(
        AuthorizationRequest request, InteractionForm form, string csrfCookie, string? sessionCookie, string? clientAddress, CancellationToken cancellationToken)
    {
        if (!options.LocalAccounts.Enabled)
        {
            return SignInPage(request, csrfCookie, null, "Sign in with one of the ways shown.");
        }

        var signIn = await login.SignInAsync(request.Client.ClientId, form.Username, form.Password, clientAddress, cancellationToken);
        if (signIn.User is not { } user)
        {
            return SignInPage(request, csrfCookie, form.Username, signIn.Problem);
        }

        if (LoginStep.NotTheHintedUser(request, user) is { } notHinted)
        {
            return SignInPage(request, csrfCookie, username: null, notHinted);
        }

        // The remembered consent is read while the new session is written: neither waits for the other.
        var asking = consent.QuestionAsync(request, user.Subject, cancellationToken);
        var started = await login.StartSessionAsync(user, sessionCookie, cancellationToken);
        return await ContinueAsync(request, started.Session, new SessionCookie(started.CookieValue, options.SessionAbsoluteLifetime), asking, cancellationToken);
    }

    private EndpointResult Refused(AuthorizationRequest request, OAuthError error) =>
        AuthorizationResponse.Error(request.Redirected(error), options.Issuer);

    /// <summary>The sign-in step of this authorization: Cancel goes back to the client's origin.</summary>
    private HtmlPage SignInPage(AuthorizationRequest request, string csrf, string? username, string? problem) =>
        HtmlPage.ForSignIn(LoginPage.ForAuthorization(request, options, csrf, upstream.All) with { Username = username, Problem = problem });

    /// <summary>The consent step, with a new CSRF token; its answer is a redirect to the client's origin.</summary>
    private async Task<EndpointResult> ConsentPageAsync(AuthorizationRequest request, SignInSession session, ConsentQuestion question, CancellationToken cancellationToken)
    {
        var csrf = CsrfGuard.NewToken();
        return new HtmlPage(
            ConsentPage.Render(request, options, await apis.GetCatalogAsync(cancellationToken), csrf, session, question.Scope),
            CsrfCookie: csrf,
            FormTarget: new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority));
    }
}
