using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// Where /authorize takes its request from: the query or form (a plain request), or a pushed request (RFC 9126 §4),
/// whose parameters come from storage only; of the query, only client_id is read, and it must be the pusher's.
/// <para>
/// A request_uri is single-use, across instances. The browser that first brings it may go on; the interaction's answer
/// then settles it (<see cref="SettleAsync"/>): the authorization response marks the row taken on the condition that it
/// is unchanged, so exactly one response leaves per pushed request (a code issued by a loser of that race is never
/// sent); a page (sign-in, consent) or a trip to an upstream provider binds the row to the secret that page's cookie
/// carries (the CSRF cookie, or the upstream binding cookie), on the same condition, and keeps it as long as that page's
/// form may be answered (<see cref="HtmlPage.FormLifetime"/>), however short the request_uri's own life. The page's form
/// posts back only client_id and request_uri, with that cookie; a post or callback whose cookie does not match the
/// binding, a second browser, a replay after the response, or a request_uri that is unknown, expired or another
/// client's, gets an error page (<c>invalid_request_uri</c>), never a redirect.
/// </para>
/// </summary>
public sealed class PushedAuthorizationRequests(
    AuthorizeRequestValidator validator, PushedRequestStore store, OAuthServerOptions options, ILogger<PushedAuthorizationRequests> logger)
{
    public const string InvalidRequestUri = "invalid_request_uri";

    /// <summary>The request of a browser arriving at /authorize (the GET): a pushed request must still be unclaimed.</summary>
    public Task<OAuthResult<AuthorizationRequest>> ValidateAsync(OAuthParameters parameters, CancellationToken cancellationToken) =>
        PushedRequestUri.IsNamedIn(parameters) ? ResolveAsync(parameters, browserBinding: null, cancellationToken) : ValidatePlainAsync(parameters, cancellationToken);

    /// <summary>
    /// The request of a browser coming back (the sign-in form's post, an upstream provider's callback) with the secret of
    /// the page or trip that sent it: a pushed request must be claimed by that very secret.
    /// </summary>
    public Task<OAuthResult<AuthorizationRequest>> ValidateContinuedAsync(OAuthParameters parameters, string? browserBinding, CancellationToken cancellationToken) =>
        PushedRequestUri.IsNamedIn(parameters) ? ResolveAsync(parameters, browserBinding ?? "", cancellationToken) : ValidatePlainAsync(parameters, cancellationToken);

    /// <summary>Lets the interaction's answer out, if the pushed request is still as read: taken by the response, or bound to the page's secret.</summary>
    public async Task<EndpointResult> SettleAsync(AuthorizationRequest request, EndpointResult result, CancellationToken cancellationToken)
    {
        if (request.Pushed is not { } pushed)
        {
            return result;
        }

        if (result.EndsAuthorization)
        {
            return await store.TakeAsync(pushed.Row, cancellationToken)
                ? result
                : Refused(request.Client.ClientId, PushedAuthorizationEvents.Reasons.Used) with { Session = result.Session };
        }

        var binding = (result as HtmlPage)?.CsrfCookie ?? result.SignInBinding?.Value;
        if (binding is null || binding == pushed.BrowserBinding)
        {
            return result;
        }

        return await store.BindAsync(pushed.Row, SecretValues.Hash(binding), HtmlPage.FormLifetime, cancellationToken)
            ? result
            : Refused(request.Client.ClientId, PushedAuthorizationEvents.Reasons.Used) with { Session = result.Session };
    }

    private async Task<OAuthResult<AuthorizationRequest>> ValidatePlainAsync(OAuthParameters parameters, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(parameters, cancellationToken);
        if (!validation.Succeeded)
        {
            return validation;
        }

        var request = validation.Value;
        if (!options.PushedAuthorization.Required && !request.Client.RequirePushedAuthorizationRequests)
        {
            return request;
        }

        // RFC 9126 §5 and §6: the redirect URI is verified, so the refusal may go back to the client.
        PushedAuthorizationEvents.RequestUriRefused(logger, request.Client.ClientId, PushedAuthorizationEvents.Reasons.NotPushed);
        return request.Redirected(OAuthError.InvalidRequest("This client must push its authorization requests to the pushed authorization request endpoint (RFC 9126)."));
    }

    private async Task<OAuthResult<AuthorizationRequest>> ResolveAsync(OAuthParameters parameters, string? browserBinding, CancellationToken cancellationToken)
    {
        var clientId = parameters.IsRepeated("client_id") ? null : parameters["client_id"];
        if (clientId is null)
        {
            return Problem(null, PushedAuthorizationEvents.Reasons.Malformed, OAuthError.InvalidRequest("A request_uri must come with the client_id it was pushed by."));
        }

        if (parameters.IsRepeated(PushedRequestUri.Parameter) || PushedRequestUri.Parse(parameters[PushedRequestUri.Parameter]) is not { } requestUri)
        {
            return Problem(clientId, PushedAuthorizationEvents.Reasons.Malformed, RequestUriError("The request_uri is not one of this server's."));
        }

        var row = await store.FindAsync(requestUri.Key, cancellationToken);
        if (row is null)
        {
            return Problem(clientId, PushedAuthorizationEvents.Reasons.Unknown, RequestUriError("The request_uri has expired or was already used."));
        }

        if (!string.Equals(row.ClientId, clientId, StringComparison.Ordinal))
        {
            return Problem(clientId, PushedAuthorizationEvents.Reasons.OtherClient, RequestUriError("The request_uri was not pushed by this client."));
        }

        if (browserBinding is null ? row.BrowserHash.Length > 0 : row.BrowserHash.Length == 0 || !SecretValues.HashEquals(row.BrowserHash, browserBinding))
        {
            return browserBinding is null
                ? Problem(clientId, PushedAuthorizationEvents.Reasons.Used, RequestUriError("The request_uri was already used."))
                : Problem(clientId, PushedAuthorizationEvents.Reasons.OtherBrowser, RequestUriError("This sign-in was started in another browser or window, or has already ended."));
        }

        // Validated again by the same rules: the client or the APIs may have changed in the seconds since the push.
        var validation = await validator.ValidateAsync(OAuthParameters.From(QueryHelpers.ParseQuery(row.Request)), cancellationToken);
        if (!validation.Succeeded)
        {
            // It can never succeed now; if its answer goes to the client, it is the one answer of this request.
            PushedAuthorizationEvents.RequestUriRefused(logger, clientId, PushedAuthorizationEvents.Reasons.NoLongerValid);
            return await store.TakeAsync(row, cancellationToken)
                ? validation
                : RequestUriError("The request_uri was already used.");
        }

        return validation.Value with { Pushed = new PushedRequestClaim(requestUri.Value, row, browserBinding) };
    }

    private OAuthError Problem(string? clientId, string reason, OAuthError error)
    {
        PushedAuthorizationEvents.RequestUriRefused(logger, clientId, reason);
        return error;
    }

    private HtmlPage Refused(string clientId, string reason) =>
        HtmlPage.ForError(Problem(clientId, reason, RequestUriError("The request_uri was already used.")));

    private static OAuthError RequestUriError(string description) => new(InvalidRequestUri, description);
}
