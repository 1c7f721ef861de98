using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace Serverless.Testing.Upstream;

/// <summary>
/// A GitHub-shaped OAuth 2.0 provider on http://127.0.0.1, written from GitHub's documented endpoints
/// (docs.github.com: "Authorizing OAuth apps", REST "Users" and "Emails"): GET /login/oauth/authorize signs in
/// <see cref="NextUser"/> at once and redirects with code and state; POST /login/oauth/access_token (client_secret in
/// the body, PKCE S256 checked, JSON with Accept: application/json, a refused code as 200 with an "error" field, as
/// GitHub does); GET /api/user and /api/user/emails with the Bearer token.
/// </summary>
public sealed class GitHubStandIn : IAsyncDisposable
{
    public const string ClientId = "github-client";
    public const string ClientSecret = "github-client-secret-for-tests";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (GitHubUser User, string Challenge, string RedirectUri)> _codes = new();
    private readonly ConcurrentDictionary<string, GitHubUser> _tokens = new();

    private GitHubStandIn(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Who the next authorization signs in.</summary>
    public GitHubUser NextUser { get; set; } = new(1, "octocat", "The Octocat", []);

    public static async Task<GitHubStandIn> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var standIn = new GitHubStandIn(app, new Uri($"http://127.0.0.1:{port}/"));
        app.MapGet("/login/oauth/authorize", (Delegate)standIn.Authorize);
        app.MapPost("/login/oauth/access_token", (Delegate)standIn.AccessTokenAsync);
        app.MapGet("/api/user", (HttpContext c) => standIn.Api(c, user => new { id = user.Id, login = user.Login, name = user.Name, email = (string?)null }));
        app.MapGet("/api/user/emails", (HttpContext c) => standIn.Api(c, user => user.Emails.Select(e => new { email = e.Email, primary = e.Primary, verified = e.Verified, visibility = "private" })));
        await app.StartAsync();
        return standIn;
    }

    /// <summary>The server's settings for a provider "github" against this stand-in.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["OAuth:Upstream:Providers:github:Kind"] = "GitHub",
        ["OAuth:Upstream:Providers:github:Issuer"] = BaseAddress.ToString().TrimEnd('/'),
        ["OAuth:Upstream:Providers:github:GitHubApi"] = BaseAddress + "api/",
        ["OAuth:Upstream:Providers:github:ClientId"] = ClientId,
        ["OAuth:Upstream:Providers:github:ClientSecret"] = ClientSecret,
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private IResult Authorize(HttpContext context)
    {
        var query = context.Request.Query;
        if (query["client_id"] != ClientId || query["code_challenge_method"] != "S256" || string.IsNullOrEmpty(query["code_challenge"]))
        {
            return Results.BadRequest("bad authorization request");
        }

        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        _codes[code] = (NextUser, query["code_challenge"]!, query["redirect_uri"]!);
        return Results.Redirect(QueryHelpers.AddQueryString(query["redirect_uri"]!, new Dictionary<string, string?> { ["code"] = code, ["state"] = query["state"] }));
    }

    private async Task<IResult> AccessTokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
        {
            return Results.Json(new { error = "incorrect_client_credentials" });
        }

        var verifier = form["code_verifier"].ToString();
        var challenge = Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        if (!_codes.TryRemove(form["code"].ToString(), out var grant) || grant.Challenge != challenge || grant.RedirectUri != form["redirect_uri"])
        {
            return Results.Json(new { error = "bad_verification_code", error_description = "The code passed is incorrect or expired." });
        }

        var token = "gho_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _tokens[token] = grant.User;
        return Results.Json(new { access_token = token, scope = "read:user,user:email", token_type = "bearer" });
    }

    private IResult Api(HttpContext context, Func<GitHubUser, object> body)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(authorization[7..], out var user)
            ? Results.Json(body(user))
            : Results.Json(new { message = "Requires authentication" }, statusCode: 401);
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed record GitHubUser(long Id, string Login, string? Name, IReadOnlyList<GitHubEmail> Emails);

public sealed record GitHubEmail(string Email, bool Primary, bool Verified);
