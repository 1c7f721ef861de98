using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /par (RFC 9126 §2): the client authenticates exactly as at /token, and its authorization request is validated
/// by the same rules as at /authorize; its errors are JSON (§2.3), never a redirect. A valid request is stored (without
/// the client's credentials) under the hash of a new request_uri's random part, for at most a minute, and the answer
/// is 201 with the request_uri (<see cref="PushedAuthorizationRequests"/> takes it at /authorize).
/// </summary>
public sealed class PushedAuthorizationEndpoint(
    BackChannelRequestReader reader,
    AuthorizeRequestValidator validator,
    PushedRequestStore store,
    OAuthServerOptions options,
    TimeProvider clock,
    ILogger<PushedAuthorizationEndpoint> logger)
{
    public const string Route = "/par";

    /// <summary>Client authentication, which is not part of the authorization request and is never stored.</summary>
    private static readonly HashSet<string> Credentials = new(["client_secret", "client_assertion", "client_assertion_type"], StringComparer.Ordinal);

    public async Task<EndpointResult> HandleAsync(StringValues authorization, OAuthParameters form, string? clientAddress, CancellationToken cancellationToken)
    {
        var read = await reader.ReadAsync(authorization, form, clientAddress, RefuseRequestUri, cancellationToken);
        if (!read.Succeeded)
        {
            return Refused(form["client_id"], read.Error);
        }

        // client_id is a parameter of the authorization request (§2.1); a client authenticated in the header may leave it out.
        var client = read.Value.Client;
        var parameters = form.Values.Keys
            .Where(name => !Credentials.Contains(name) && name != "client_id")
            .SelectMany(name => form.All(name).Select(value => (name, (string?)value)))
            .Prepend(("client_id", client.ClientId))
            .ToArray();
        var validation = await validator.ValidateAsync(OAuthParameters.From(parameters), cancellationToken);
        if (!validation.Succeeded)
        {
            // §2.3: every error is the endpoint's JSON answer, whether or not /authorize would have redirected it.
            return Refused(client.ClientId, validation.Error with { Redirect = null });
        }

        var lifetime = options.PushedAuthorization.RequestUriLifetime;
        var requestUri = PushedRequestUri.New();
        await store.AddAsync(requestUri.Key, client.ClientId, RedirectQuery.Encode(parameters), clock.GetUtcNow() + lifetime, cancellationToken);
        var seconds = (int)lifetime.TotalSeconds;
        PushedAuthorizationEvents.Accepted(logger, client.ClientId, seconds);
        return new JsonBody(new PushedAuthorizationResponse(requestUri.Value, seconds), Status: 201);
    }

    /// <summary>§2.1: a pushed request may not itself refer to a request_uri.</summary>
    private static OAuthError? RefuseRequestUri(OAuthParameters form) =>
        PushedRequestUri.IsNamedIn(form)
            ? OAuthError.InvalidRequest("The 'request_uri' parameter may not be pushed.")
            : null;

    private OAuthErrorResult Refused(string? clientId, OAuthError error)
    {
        PushedAuthorizationEvents.Refused(logger, clientId is { Length: <= 200 } ? clientId : null, error.Error);
        return new OAuthErrorResult(error);
    }
}
