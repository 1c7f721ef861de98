using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The authorization response (RFC 6749 §4.1.2): a code, or an error, sent to the verified redirect URI, always with
/// "iss" (RFC 9207), by redirect with a query, or by an auto-submitting form for response_mode=form_post. An error
/// whose redirect URI could not be verified is a page for the user instead: the server never sends anything to an
/// unverified URI (RFC 6749 §4.1.2.1).
/// </summary>
public static class AuthorizationResponse
{
    public static EndpointResult Code(AuthorizationRequest request, string code, string issuer) =>
        Respond(request.RedirectUri, request.ResponseMode, error: null, ("code", code), ("state", request.State), ("iss", issuer));

    public static EndpointResult Error(OAuthError error, string issuer)
    {
        if (error.Redirect is not { } redirect)
        {
            return HtmlPage.ForError(error);
        }

        return Respond(
            redirect.RedirectUri,
            redirect.ResponseMode,
            error,
            ("error", error.Error),
            ("error_description", error.Description),
            ("state", redirect.State),
            ("iss", issuer));
    }

    /// <summary>The answer to the client; <paramref name="error"/> rides along, so the error is counted where the answer becomes HTTP.</summary>
    private static EndpointResult Respond(string redirectUri, ResponseMode mode, OAuthError? error, params (string Name, string? Value)[] parameters)
    {
        if (mode == ResponseMode.Query)
        {
            return new RedirectTo(BuildRedirect(redirectUri, parameters), error) { EndsAuthorization = true };
        }

        var nonce = SecretValues.NewId();
        var fields = parameters.Where(p => p.Value is not null).Select(p => (p.Name, p.Value!));
        return new HtmlPage(
            FormPostPage.Render(redirectUri, fields, nonce),
            ContentSecurityPolicy: FormPostPage.ContentSecurityPolicy(nonce, new Uri(redirectUri).GetLeftPart(UriPartial.Authority)),
            Error: error) { EndsAuthorization = true };
    }

    /// <summary>Adds parameters to the redirect URI's query (<see cref="RedirectQuery.Build"/>).</summary>
    public static string BuildRedirect(string redirectUri, params (string Name, string? Value)[] parameters) =>
        RedirectQuery.Build(redirectUri, parameters);
}
