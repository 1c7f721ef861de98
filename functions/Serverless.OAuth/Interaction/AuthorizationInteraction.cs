using Serverless.OAuth.Apis;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Options;
using Serverless.OAuth.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// What happens between a valid authorization request and its response: the user signs in and decides, on one page,
/// and the authorization resumes with a code. <see cref="Endpoints.AuthorizeEndpoint"/> validates the request and
/// hands off here; the steps are the consent (<see cref="ConsentStep"/>), the sign-in (<see cref="LoginStep"/>) and
/// the code (<see cref="CodeIssuance"/>).
/// </summary>
public sealed class AuthorizationInteraction(LoginStep login, ConsentStep consent, CodeIssuance codes, IApiStore apis, OAuthServerOptions options)
{
    /// <summary>Starts the interaction: the sign-in and consent page, with a new CSRF token.</summary>
    public Task<EndpointResult> StartAsync(AuthorizationRequest request, CancellationToken cancellationToken) =>
        SignInPageAsync(request, SecretValues.NewSecret(), username: null, problem: null, cancellationToken);

    /// <summary>Resumes it with what the page posted: back to the page with a problem, or the authorization response.</summary>
    public async Task<EndpointResult> ResumeAsync(
        AuthorizationRequest request, InteractionForm form, string? csrfCookie, string? clientAddress, CancellationToken cancellationToken)
    {
        // A mismatch shows a page, never a redirect, so a forged post cannot steer the user anywhere.
        if (!form.CameFromOurPage(csrfCookie))
        {
            ServerTelemetry.Error(AuthorizationResponse.Route, OAuthErrorCodes.InvalidRequest);
            return new HtmlPage(
                ErrorPage.Render(OAuthError.InvalidRequest("The sign-in form expired or did not come from this server. Go back to the application and start again.")),
                Status: 400);
        }

        if (consent.Refusal(request, form.Decision) is { } refusal)
        {
            return AuthorizationResponse.Error(refusal, options.Issuer);
        }

        var signIn = await login.SignInAsync(request.Client.ClientId, form.Username, form.Password, clientAddress, cancellationToken);
        if (signIn.User is not { } user)
        {
            return await SignInPageAsync(request, csrfCookie, form.Username, signIn.Problem, cancellationToken);
        }

        var code = await codes.IssueAsync(request, user, cancellationToken);
        consent.Granted(request, user);
        return AuthorizationResponse.Code(request, code, options.Issuer);
    }

    /// <summary>The page's form answers with a redirect to the client's origin, which its Content-Security-Policy must allow.</summary>
    private async Task<EndpointResult> SignInPageAsync(AuthorizationRequest request, string csrf, string? username, string? problem, CancellationToken cancellationToken) =>
        new HtmlPage(
            LoginPage.Render(request, options, await apis.GetCatalogAsync(cancellationToken), csrf, username, problem),
            CsrfCookie: csrf,
            FormTarget: new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority));
}
