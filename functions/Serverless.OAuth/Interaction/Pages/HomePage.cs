namespace Serverless.OAuth.Interaction.Pages;

/// <summary>GET /: what this server is, and where to go next.</summary>
public static class HomePage
{
    public static Html Render(string issuer) => PageLayout.Render("Serverless OAuth 2.0 authorization server", Html.Of($"""
        <div class="card">
        <h1>Serverless OAuth 2.0 authorization server</h1>
        <p class="lead">An OAuth 2.0 authorization server (RFC 6749 with PKCE) running on Azure Functions, issuing JWT access tokens (RFC 9068).</p>
        <ul>
        <li><a href=".well-known/oauth-authorization-server">Authorization server metadata</a> (RFC 8414)</li>
        <li><a href=".well-known/jwks.json">Signing keys</a> (JWKS)</li>
        <li><a href="demo">The demo client</a>: walk through the authorization code flow</li>
        </ul>
        <p class="lead">Issuer: <code>{issuer}</code></p>
        </div>
        """));
}
