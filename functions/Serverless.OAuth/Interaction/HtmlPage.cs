using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// A server-rendered page. <see cref="CsrfCookie"/> is set when the page carries a form; <see cref="FormTarget"/> is the
/// verified origin that form's answer redirects to, which the Content-Security-Policy's form-action must allow.
/// <see cref="ContentSecurityPolicy"/> replaces the server pages' policy (no script) for a page that needs its own.
/// <see cref="Error"/> is the error the page shows or carries (an error page, or a form_post of an error to the client).
/// </summary>
public sealed record HtmlPage(
    Html Body, int Status = 200, string? CsrfCookie = null, string? FormTarget = null, string? ContentSecurityPolicy = null, OAuthError? Error = null)
    : EndpointResult
{
    /// <summary>
    /// How long a page's form may be answered: its CSRF cookie's life, and so the life of what the interaction keeps on
    /// the server for it (a pushed request, once a browser has claimed it).
    /// </summary>
    public static readonly TimeSpan FormLifetime = TimeSpan.FromMinutes(30);

    public override OAuthError? Failure => Error;

    /// <summary>
    /// The sign-in step (<see cref="LoginPage"/>), wherever it is shown. Its forms answer with a redirect to where
    /// Cancel goes, or, when the user picks a provider, to that provider: its Content-Security-Policy's form-action must
    /// allow them all.
    /// </summary>
    public static HtmlPage ForSignIn(SignInView view)
    {
        var targets = view.Providers.SelectMany(p => p.FormTargets());
        targets = view.ReturnOrigin is { } origin ? targets.Prepend(origin) : targets;
        var formTarget = string.Join(' ', targets.Distinct(StringComparer.Ordinal));
        return new HtmlPage(LoginPage.Render(view), CsrfCookie: view.CsrfToken, FormTarget: formTarget.Length == 0 ? null : formTarget);
    }

    /// <summary>
    /// The error page: for the user, when the server cannot (or must not) send the error to the client. Its status is
    /// the error's (<see cref="OAuthError.HttpStatus"/>: 429, 500 and 503 as a JSON error's would be), except that a
    /// page challenges no one to authenticate, so an unknown client or token is a 400 there, not a 401 or 403.
    /// </summary>
    public static HtmlPage ForError(OAuthError error) =>
        new(ErrorPage.Render(error), error.HttpStatus is 401 or 403 ? 400 : error.HttpStatus, Error: error);
}
