using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// /authorize, the protocol side (RFC 6749 §4.1.1): GET validates the request and starts the interaction (the sign-in
/// and consent page); POST validates the page's answer exactly like the GET and resumes the interaction, which ends in
/// the authorization response (at once, on the GET, for a signed-in user with nothing to ask). An invalid request gets its error here, before any interaction.
/// </summary>
public sealed class AuthorizeEndpoint(AuthorizeRequestValidator validator, AuthorizationInteraction interaction, OAuthServerOptions options)
{
    public async Task<EndpointResult> GetAsync(OAuthParameters query, string? sessionCookie, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(query, cancellationToken);
        return validation.Succeeded
            ? await interaction.StartAsync(validation.Value, sessionCookie, cancellationToken)
            : AuthorizationResponse.Error(validation.Error, options.Issuer);
    }

    public async Task<EndpointResult> PostAsync(
        OAuthParameters form, string? csrfCookie, string? sessionCookie, string? clientAddress, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(form, cancellationToken);
        return validation.Succeeded
            ? await interaction.ResumeAsync(validation.Value, InteractionForm.Read(form), csrfCookie, sessionCookie, clientAddress, cancellationToken)
            : AuthorizationResponse.Error(validation.Error, options.Issuer);
    }
}
