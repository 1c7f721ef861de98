using Serverless.OAuth.Clients;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// /endsession, OpenID Connect RP-Initiated Logout 1.0: a relying party sends the user here (GET, or a form POST) with
/// its ID token as id_token_hint, where to come back (post_logout_redirect_uri, registered exactly for the client) and
/// state. The session ends at once when the hint was issued in this very session (its sid, and its sub, are the
/// signed-in ones); otherwise, an old ID token or none at all, the user is asked, on a CSRF-protected page (RP-Initiated
/// Logout 1.0 §2). The session ends the one way sessions end (<see cref="SessionEnding"/>). The client is looked up
/// where every client is (<see cref="ClientDirectory"/>), so a client known by its metadata document logs out too. A
/// redirect URI that is not registered is an error page, never a redirect.
/// </summary>
public sealed class EndSessionEndpoint(IdTokenHintValidator hints, ClientDirectory clients, ISessionStore sessions, SessionEnding ending)
{
    public const string Route = "/endsession";

    /// <summary>A relying party's request (GET, or a POST without our page's CSRF token).</summary>
    public async Task<EndpointResult> RequestAsync(OAuthParameters parameters, string? sessionCookie, CancellationToken cancellationToken)
    {
        var request = await ValidateAsync(parameters, cancellationToken);
        if (!request.Succeeded)
        {
            return HtmlPage.ForError(request.Error);
        }

        var logout = request.Value;
        var session = await sessions.FindAsync(sessionCookie, cancellationToken);
        if (session is null)
        {
            return SignedOut(logout);
        }

        if (logout.Hint is { } hint && hint.Subject == session.Subject && hint.SessionId == session.Sid)
        {
            return await EndAsync(session, logout, cancellationToken);
        }

        var csrf = CsrfGuard.NewToken();
        return new HtmlPage(
            LogoutPage.Render(session, logout.Client?.Name, logout.FormFields(), csrf),
            CsrfCookie: csrf,
            FormTarget: logout.RedirectUri is null ? null : new Uri(logout.RedirectUri).GetLeftPart(UriPartial.Authority));
    }

    /// <summary>A POST: the answer of our own page when it carries the CSRF field, otherwise a relying party's request.</summary>
    public async Task<EndpointResult> PostAsync(OAuthParameters form, string? csrfCookie, string? sessionCookie, CancellationToken cancellationToken)
    {
        if (form[FieldNames.Csrf] is null)
        {
            return await RequestAsync(form, sessionCookie, cancellationToken);
        }

        if (!CsrfGuard.CameFromOurPage(form, csrfCookie))
        {
            return HtmlPage.ForError(OAuthError.InvalidRequest("The sign-out form expired or did not come from this server."));
        }

        var request = await ValidateAsync(form, cancellationToken);
        if (!request.Succeeded)
        {
            return HtmlPage.ForError(request.Error);
        }

        var session = await sessions.FindAsync(sessionCookie, cancellationToken);
        if (form["action"] != LogoutPage.SignOut)
        {
            return new HtmlPage(NoticePage.Render("Sign out", session is null ? "You are not signed in." : "You are still signed in."));
        }

        return session is null ? SignedOut(request.Value) : await EndAsync(session, request.Value, cancellationToken);
    }

    /// <summary>
    /// The request's rules: a hint that is not a valid ID token of this server counts as none (so the user is asked);
    /// the client is the one client_id names, or the hint's audience, and both must agree; a post-logout redirect URI
    /// needs that client and must be registered for it exactly.
    /// </summary>
    private async Task<OAuthResult<LogoutRequest>> ValidateAsync(OAuthParameters parameters, CancellationToken cancellationToken)
    {
        if (parameters.StructuralError is { } structural)
        {
            return structural;
        }

        IdTokenHint? hint = null;
        if (parameters["id_token_hint"] is { } raw)
        {
            var validated = await hints.ValidateAsync(raw, acceptExpired: true, cancellationToken);
            hint = validated.Succeeded ? validated.Value : null;
        }

        var clientId = parameters["client_id"];
        if (clientId is not null && hint is not null && !hint.IsFor(clientId))
        {
            return OAuthError.InvalidRequest("The 'client_id' is not the client the 'id_token_hint' was issued to.");
        }

        clientId ??= hint?.Audiences.FirstOrDefault();
        OAuthClient? client = null;
        if (clientId is not null)
        {
            var found = await clients.FindAsync(clientId, cancellationToken);
            if (!found.Succeeded)
            {
                return found.Error;
            }

            client = found.Value;
        }

        var redirectUri = parameters["post_logout_redirect_uri"];
        if (redirectUri is not null && (client is null || !client.HasPostLogoutRedirectUri(redirectUri)))
        {
            return OAuthError.InvalidRequest(client is null
                ? "A 'post_logout_redirect_uri' needs the 'client_id' or an 'id_token_hint' to say whose it is."
                : "The 'post_logout_redirect_uri' is not registered for this client.");
        }

        return new LogoutRequest(hint, client, redirectUri, parameters["state"]);
    }

    private async Task<EndpointResult> EndAsync(SignInSession session, LogoutRequest logout, CancellationToken cancellationToken) =>
        SignedOut(logout) with { Session = await ending.EndAsync(session, cancellationToken) };

    /// <summary>Back to the relying party (RP-Initiated Logout 1.0 §3, with its state), or a page; the cookie is cleared either way.</summary>
    private static EndpointResult SignedOut(LogoutRequest logout) =>
        (logout.RedirectUri is { } uri
            ? new RedirectTo(AuthorizationResponse.BuildRedirect(uri, ("state", logout.State)))
            : (EndpointResult)new HtmlPage(NoticePage.Render("Sign out", "You are signed out.")))
        with { Session = SessionCookie.Cleared };

    /// <summary>A logout request that passed the rules.</summary>
    private sealed record LogoutRequest(IdTokenHint? Hint, OAuthClient? Client, string? RedirectUri, string? State)
    {
        /// <summary>What the confirmation page posts back, validated again like the request (the hint stands in for the client).</summary>
        public IEnumerable<(string Name, string Value)> FormFields()
        {
            if (Client is not null)
            {
                yield return ("client_id", Client.ClientId);
            }

            if (RedirectUri is not null)
            {
                yield return ("post_logout_redirect_uri", RedirectUri);
            }

            if (State is not null)
            {
                yield return ("state", State);
            }
        }
    }
}
