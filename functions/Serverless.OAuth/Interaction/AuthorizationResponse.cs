using System.Text;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Pages;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The authorization response (RFC 6749 §4.1.2): a code, or an error, sent to the verified redirect URI, always with
/// "iss" (RFC 9207). An error whose redirect URI could not be verified is a page for the user instead: the server never
/// redirects to an unverified URI (RFC 6749 §4.1.2.1).
/// </summary>
public static class AuthorizationResponse
{
    public const string Route = "/authorize";

    public static EndpointResult Code(AuthorizationRequest request, string code, string issuer) =>
        new RedirectTo(BuildRedirect(request.RedirectUri, ("code", code), ("state", request.State), ("iss", issuer)));

    public static EndpointResult Error(AuthorizationError error, string issuer)
    {
        ServerTelemetry.Error(Route, error.Error.Error);
        if (error.RedirectUri is null)
        {
            return new HtmlPage(ErrorPage.Render(error.Error), Status: 400);
        }

        return new RedirectTo(BuildRedirect(
            error.RedirectUri,
            ("error", error.Error.Error),
            ("error_description", error.Error.Description),
            ("state", error.State),
            ("iss", issuer)));
    }

    /// <summary>Adds parameters to the redirect URI's query, keeping any query it was registered with (RFC 6749 §3.1.2).</summary>
    public static string BuildRedirect(string redirectUri, params (string Name, string? Value)[] parameters)
    {
        var uri = new StringBuilder(redirectUri);
        var separator = redirectUri.Contains('?') ? '&' : '?';
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            uri.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return uri.ToString();
    }
}
