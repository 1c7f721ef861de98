using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Users;
using Serverless.OAuth.Protocol;

namespace Serverless.Testing;

/// <summary>Clients, users and HTTP clients for a test server, written through the core's stores into its tables.</summary>
public static class TestRegistrations
{
    public const string Password = "correct horse battery staple";

    /// <summary>A client that keeps cookies and never follows redirects, so tests see every 302.</summary>
    public static HttpClient NewHttpClient(this IOAuthTestServer server) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = server.BaseAddress,
        };

    public static async Task<OAuthClient> AddPublicClientAsync(
        this IOAuthTestServer server, string? clientId = null, string[]? grants = null, bool refreshWithoutOfflineAccess = false, string[]? scopes = null, params string[] redirectUris)
    {
        var client = new OAuthClient
        {
            ClientId = clientId ?? "public-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Test Public App",
            Type = ClientType.Public,
            RedirectUris = redirectUris.Length > 0 ? redirectUris : ["http://127.0.0.1:9/callback"],
            AllowedScopes = scopes ?? ["read", "write", "offline_access"],
            AllowedGrantTypes = grants ?? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
            RefreshWithoutOfflineAccess = refreshWithoutOfflineAccess,
        };
        Added(await server.Services.GetRequiredService<IClientStore>().AddAsync(client), client.ClientId);
        return client;
    }

    /// <summary>A public client that may sign users in: the OpenID Connect scopes beside the API's, and where to return after logout.</summary>
    public static async Task<OAuthClient> AddRelyingPartyAsync(
        this IOAuthTestServer server, string redirectUri, string? idTokenSignedResponseAlg = null, string? postLogoutRedirectUri = null)
    {
        var client = new OAuthClient
        {
            ClientId = "rp-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Test Relying Party",
            Type = ClientType.Public,
            RedirectUris = [redirectUri],
            PostLogoutRedirectUris = postLogoutRedirectUri is null ? [] : [postLogoutRedirectUri],
            AllowedScopes = ["openid", "profile", "email", "offline_access", "read"],
            AllowedGrantTypes = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
            IdTokenSignedResponseAlg = idTokenSignedResponseAlg,
        };
        Added(await server.Services.GetRequiredService<IClientStore>().AddAsync(client), client.ClientId);
        return client;
    }

    public static async Task<(OAuthClient Client, string Secret)> AddConfidentialClientAsync(
        this IOAuthTestServer server, string[]? grants = null, string[]? scopes = null, bool mayIntrospect = false)
    {
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var client = new OAuthClient
        {
            ClientId = "conf-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Test Confidential App",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(secret),
            RedirectUris = ["https://app.example.com/callback"],
            AllowedScopes = scopes ?? ["read", "write", "offline_access"],
            AllowedGrantTypes = grants ?? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials],
            MayIntrospect = mayIntrospect,
        };
        Added(await server.Services.GetRequiredService<IClientStore>().AddAsync(client), client.ClientId);
        return (client, secret);
    }

    public static async Task<OAuthUser> AddUserAsync(this IOAuthTestServer server, string? username = null)
    {
        var user = new OAuthUser(username ?? "user" + Guid.NewGuid().ToString("N")[..8], Guid.NewGuid().ToString(), UserStore.HashPassword(Password), "Test User");
        Added(await server.Services.GetRequiredService<IUserStore>().AddAsync(user), user.Username);
        return user;
    }

    private static void Added(bool added, string name)
    {
        if (!added)
        {
            throw new InvalidOperationException($"'{name}' exists already.");
        }
    }
}
