using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Serverless.Benchmarks.Hosting;

/// <summary>Drives the protocol over HTTP, one request per step, so each step's cost can be counted on its own.</summary>
public sealed partial class FlowClient(HttpClient http)
{
    public const string Verifier = "bench-verifier-0123456789-0123456789-0123456789-abcdef";

    public static string Challenge { get; } = Serverless.OAuth.Protocol.Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier)));

    public HttpClient Http => http;

    /// <summary>GET /authorize: the login page, whose hidden fields (CSRF token, request) the POST sends back.</summary>
    public async Task<Dictionary<string, string>> OpenLoginPageAsync(string clientId, string scope = "read write offline_access")
    {
        var page = await http.GetAsync(AuthorizeQuery(clientId, scope));
        Ensure(page.StatusCode == HttpStatusCode.OK, "GET /authorize", page.StatusCode);
        return HiddenFields(await page.Content.ReadAsStringAsync());
    }

    private static string AuthorizeQuery(string clientId, string scope) => QueryHelpers.AddQueryString("authorize", new Dictionary<string, string?>
    {
        ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = BenchmarkHost.RedirectUri, ["scope"] = scope,
        ["state"] = "bench", ["code_challenge"] = Challenge, ["code_challenge_method"] = "S256",
    });

    /// <summary>The login page's hidden fields (CSRF token, the authorization request), which its form posts back.</summary>
    public static Dictionary<string, string> HiddenFields(string html) =>
        HiddenField().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));

    /// <summary>POST /authorize: sign in, then allow when the consent step is shown (a first sign-in); returns the code from the redirect.</summary>
    public async Task<string> PostConsentAsync(Dictionary<string, string> fields, string username)
    {
        fields["username"] = username;
        fields["password"] = BenchmarkHost.UserPassword;
        var response = await http.PostAsync("authorize", new FormUrlEncodedContent(fields));
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var consent = HiddenFields(await response.Content.ReadAsStringAsync());
            consent["decision"] = "allow";
            response = await http.PostAsync("authorize", new FormUrlEncodedContent(consent));
        }

        Ensure(response.StatusCode == HttpStatusCode.SeeOther, "POST /authorize", response.StatusCode);
        var location = response.Headers.Location!.ToString();
        return QueryHelpers.ParseQuery(location[(location.IndexOf('?') + 1)..])["code"].ToString();
    }

    /// <summary>GET /authorize in a browser signed in with the consent remembered: the code comes back at once.</summary>
    public async Task<string> AuthorizeOnSessionAsync(string clientId, string scope = "read write offline_access")
    {
        var response = await http.GetAsync(AuthorizeQuery(clientId, scope));
        Ensure(response.StatusCode == HttpStatusCode.Found, "GET /authorize on a session", response.StatusCode);
        var location = response.Headers.Location!.ToString();
        return QueryHelpers.ParseQuery(location[(location.IndexOf('?') + 1)..])["code"].ToString();
    }

    /// <summary>GET /endsession without an ID token hint: the sign-out question, whose form the POST sends back.</summary>
    public async Task<Dictionary<string, string>> OpenSignOutPageAsync()
    {
        var page = await http.GetAsync("endsession");
        Ensure(page.StatusCode == HttpStatusCode.OK, "GET /endsession", page.StatusCode);
        return HiddenFields(await page.Content.ReadAsStringAsync());
    }

    public async Task ConfirmSignOutAsync(Dictionary<string, string> fields)
    {
        fields["action"] = "signout";
        var response = await http.PostAsync("endsession", new FormUrlEncodedContent(fields));
        Ensure(response.StatusCode == HttpStatusCode.OK, "POST /endsession", response.StatusCode);
    }

    public async Task<TokenPair> ExchangeCodeAsync(string clientId, string code) =>
        await PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", BenchmarkHost.RedirectUri), ("client_id", clientId), ("code_verifier", Verifier)],
            null);

    public async Task<TokenPair> RefreshAsync(string clientId, string refreshToken) =>
        await PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientId)], null);

    public async Task<TokenPair> ClientCredentialsAsync(string clientId, string secret) =>
        await PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], BasicAuthorization(clientId, secret));

    public async Task GetResourceAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "resource");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var response = await http.SendAsync(request);
        Ensure(response.StatusCode == HttpStatusCode.OK, "GET /resource", response.StatusCode);
    }

    public static string BasicAuthorization(string id, string secret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(id) + ":" + Uri.EscapeDataString(secret)));

    private async Task<TokenPair> PostTokenAsync((string Name, string Value)[] form, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "token")
        {
            Content = new FormUrlEncodedContent(form.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await http.SendAsync(request);
        Ensure(response.StatusCode == HttpStatusCode.OK, "POST /token " + form[0].Value, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        return new TokenPair(
            root.GetProperty("access_token").GetString()!,
            root.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null);
    }

    private static void Ensure(bool condition, string step, HttpStatusCode status)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"{step} answered {(int)status}.");
        }
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}

public sealed record TokenPair(string AccessToken, string? RefreshToken);
