using System.Net;
using Serverless.OAuth.Http;

namespace Serverless.IntegrationTests;

/// <summary>
/// The local host in Production: its session cookie is "__Host-" prefixed and Secure. Local host only: it starts a server
/// of its own in another environment; the worker in Production is ProductionWorkerTests (both hosts' folder).
/// </summary>
public sealed class ProductionSessionCookieTests
{
    private const string Redirect = "http://127.0.0.1:9/callback";

    [Fact]
    public async Task InProduction_TheSessionCookieIsHostPrefixedAndSecure()
    {
        await using var production = await LocalServer.StartAsync(environment: "Production");
        var client = await production.AddPublicClientAsync(redirectUris: Redirect);
        var user = await production.AddUserAsync();
        var fields = await OAuthFlow.FilledLoginFormAsync(production, client.ClientId, Redirect, user.Username);

        // The browser would send the Secure CSRF cookie over https; this test speaks http, so it sends it by hand.
        var response = await OAuthFlow.PostWithCookieAsync(
            production.BaseAddress, "authorize", fields, EndpointHttpResult.SecureCsrfCookieName + "=" + fields["csrf_token"]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // signed in, on to the consent step
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.Contains("oauth_session=", StringComparison.Ordinal));
        Assert.StartsWith(EndpointHttpResult.SecureSessionCookieName + "=", setCookie, StringComparison.Ordinal);
        Assert.Contains("secure", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
    }
}
