using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// /authorize, the protocol side (RFC 6749 §4.1.1): GET validates the request and starts the interaction (the sign-in
/// and consent page); POST validates the page's answer exactly like the GET and resumes the interaction, which ends in
/// the authorization response (at once, on the GET, for a signed-in user with nothing to ask). An invalid request gets its error here, before any interaction.
/// A pushed request (RFC 9126) is taken from storage instead of the query, and its answer settled there
/// (<see cref="PushedAuthorizationRequests"/>): the form posts back its request_uri, bound to the page's CSRF cookie.
/// </summary>
public sealed class AuthorizeEndpoint(PushedAuthorizationRequests requests, AuthorizationInteraction interaction, OAuthServerOptions options)
{
    public async Task<EndpointResult> GetAsync(OAuthParameters query, string? sessionCookie, CancellationToken cancellationToken)
    {
        var validation = await requests.ValidateAsync(query, cancellationToken);
        return validation.Succeeded
            ? await requests.SettleAsync(validation.Value, await interaction.StartAsync(validation.Value, sessionCookie, cancellationToken), cancellationToken)
            : AuthorizationResponse.Error(validation.Error, options.Issuer);
    }

    public async Task<EndpointResult> PostAsync(
        OAuthParameters form, string? csrfCookie, string? sessionCookie, string? clientAddress, CancellationToken cancellationToken)
    {
        var validation = await requests.ValidateContinuedAsync(form, csrfCookie, cancellationToken);
        return validation.Succeeded
            ? await requests.SettleAsync(
                validation.Value,
                await interaction.ResumeAsync(validation.Value, InteractionForm.Read(form), csrfCookie, sessionCookie, clientAddress, cancellationToken),
                cancellationToken)
            : AuthorizationResponse.Error(validation.Error, options.Issuer);
    }
}
