using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests;

/// <summary>A scripted OAuth client: it drives the login page and the token endpoint the way an app and a person would.</summary>
public sealed partial class OAuthFlow(HttpClient http)
{
    public OAuthFlow(IOAuthTestServer server)
        : this(server.NewHttpClient())
    {
    }

    public HttpClient Http { get; } = http;

    /// <summary>A browser on the server: it keeps cookies in <paramref name="cookies"/>, which the test may read, and never follows redirects.</summary>
    public static HttpClient Browser(Uri baseAddress, CookieContainer cookies) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies }) { BaseAddress = baseAddress };

    /// <summary>Another browser holding this sign-in session cookie value, as one that kept (or forged) a copy of it would.</summary>
    public static HttpClient BrowserWithSessionCookie(Uri baseAddress, string cookieValue)
    {
        var cookies = new CookieContainer();
        cookies.Add(baseAddress, new Cookie(Serverless.OAuth.Http.EndpointHttpResult.SessionCookieName, cookieValue));
        return Browser(baseAddress, cookies);
    }

    /// <summary>
    /// Sends a request written out by hand, for what HttpClient will not send: it joins repeated header values into
    /// one line, where a client may well send two lines. Returns the status and the whole answer (head and body).
    /// </summary>
    public async Task<(int Status, string Answer)> SendRawAsync(string method, string path, IEnumerable<(string Name, string Value)> headers, string body = "")
    {
        var server = Http.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var request = new StringBuilder($"{method} {server.AbsolutePath}{path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            request.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        request.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body)).Append("\r\n\r\n").Append(body);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        var answer = await new StreamReader(stream, Encoding.UTF8).ReadToEndAsync();
        return (int.Parse(answer.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture), answer);
    }

    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = SecretValues.NewSecret() + "-verifier";
        return (verifier, Pkce.ComputeChallenge(verifier));
    }

    public static string AuthorizeQuery(params (string Name, string? Value)[] parameters) =>
        QueryHelpers.AddQueryString("authorize", parameters.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, string?>(p.Name, p.Value)));

    /// <summary>
    /// GET /authorize, then the two steps a person takes: the sign-in form (username and password), then, when the
    /// server asks, the consent form with <paramref name="decision"/>. Returns the final response (a 303 when it
    /// worked). When this client's browser is signed in and has allowed the request before, the GET itself answers (a 302).
    /// </summary>
    public async Task<HttpResponseMessage> SignInAsync(
        string authorizeUrl, string username, string password, string decision = "allow")
    {
        var page = await Http.GetAsync(authorizeUrl);
        if (page.StatusCode == HttpStatusCode.Found)
        {
            return page;
        }

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        return await PostLoginFormAsync(html, username, password, decision);
    }

    /// <summary>
    /// Answers the page in <paramref name="html"/> as a person would: on the sign-in step, "deny" presses Cancel, and
    /// otherwise the username and password are posted; on the consent step (shown first when the browser is signed in,
    /// or after the sign-in when something new must be allowed) the decision is posted.
    /// </summary>
    public async Task<HttpResponseMessage> PostLoginFormAsync(string html, string username, string password, string decision = "allow")
    {
        if (IsConsentPage(html))
        {
            return await PostConsentAsync(html, decision);
        }

        // Every hidden field as sent, repeated ones (several resources) included.
        List<KeyValuePair<string, string>> fields = [.. PasswordFormFields(html)];
        if (decision == "deny")
        {
            fields.Add(new("decision", decision));
            return await Http.PostAsync("authorize", new FormUrlEncodedContent(fields));
        }

        fields.Add(new("username", username));
        fields.Add(new("password", password));
        var answer = await Http.PostAsync("authorize", new FormUrlEncodedContent(fields));
        if (answer.StatusCode != HttpStatusCode.OK)
        {
            return answer;
        }

        var next = await answer.Content.ReadAsStringAsync();
        return IsConsentPage(next) ? await PostConsentAsync(next, decision) : answer;
    }

    /// <summary>
    /// The consent step of <paramref name="authorizeUrl"/>: what a GET shows a signed-in browser, or else the page that
    /// follows signing in with the password on the sign-in step.
    /// </summary>
    public async Task<string> ConsentPageAsync(string authorizeUrl, string username, string password = LocalServer.Password)
    {
        var html = await (await Http.GetAsync(authorizeUrl)).Content.ReadAsStringAsync();
        if (IsConsentPage(html))
        {
            return html;
        }

        var answer = await Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. PasswordFormFields(html), new("username", username), new("password", password)]));
        return await answer.Content.ReadAsStringAsync();
    }

    /// <summary>Presses Allow (or Deny) on the consent page in <paramref name="html"/>.</summary>
    public Task<HttpResponseMessage> PostConsentAsync(string html, string decision = "allow") =>
        Http.PostAsync("authorize", new FormUrlEncodedContent([.. HiddenFieldValues(html), new("decision", decision)]));

    /// <summary>Whether the page is the consent step (Allow and Deny), not the sign-in step.</summary>
    public static bool IsConsentPage(string html) => html.Contains("name=\"decision\" value=\"allow\"", StringComparison.Ordinal);

    /// <summary>The hidden fields of the sign-in step's password form (the provider buttons' form carries the same ones).</summary>
    public static IEnumerable<KeyValuePair<string, string>> PasswordFormFields(string html)
    {
        var start = html.IndexOf("id=\"password-form\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return HiddenFieldValues(html);
        }

        var end = html.IndexOf("</form>", start, StringComparison.Ordinal);
        return HiddenFieldValues(html[start..end]);
    }

    /// <summary>
    /// The login form of a server running as in Production, filled in to allow: its page is read over http, where the
    /// browser-side Secure cookies cannot be kept, so the caller posts it with <see cref="PostWithCookieAsync"/>.
    /// </summary>
    public static async Task<Dictionary<string, string>> FilledLoginFormAsync(IOAuthTestServer server, string clientId, string redirectUri, string username)
    {
        var page = await server.NewHttpClient().GetAsync(AuthorizeQuery(
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", redirectUri), ("scope", "read"),
            ("code_challenge", NewPkce().Challenge), ("code_challenge_method", "S256")));
        var fields = HiddenFields(await page.Content.ReadAsStringAsync());
        fields["username"] = username;
        fields["password"] = LocalServer.Password;
        return fields;
    }

    /// <summary>POSTs a form with exactly this Cookie header, as a browser on https would send the Secure cookies an http test cannot keep.</summary>
    public static async Task<HttpResponseMessage> PostWithCookieAsync(Uri baseAddress, string path, Dictionary<string, string> fields, string cookie)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Cookie", cookie);
        return await http.SendAsync(request);
    }

    /// <summary>The CSRF token of a page of this server (every form of a page carries the same one).</summary>
    public static string CsrfToken(string html) => CsrfField().Match(html) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("The page has no CSRF token.");

    public static Dictionary<string, string> HiddenFields(string html) => HiddenFieldValues(html).ToDictionary(f => f.Key, f => f.Value);

    public static IEnumerable<KeyValuePair<string, string>> HiddenFieldValues(string html) =>
        HiddenField().Matches(html).Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value)));

    public static Dictionary<string, string> RedirectParameters(HttpResponseMessage response)
    {
        // 302 from GET /authorize, 303 after the login form's POST (RFC 9700 §4.12).
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Found, HttpStatusCode.SeeOther });
        var location = response.Headers.Location!.ToString();
        var query = location[(location.IndexOf('?') + 1)..];
        return QueryHelpers.ParseQuery(query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    /// <summary>The whole front channel for a public client: returns the code.</summary>
    public async Task<string> GetCodeAsync(string clientId, string redirectUri, string username, string challenge, string scope = "read write offline_access", string state = "xyz")
    {
        var response = await SignInAsync(
            AuthorizeQuery(("response_type", "code"), ("client_id", clientId), ("redirect_uri", redirectUri), ("scope", scope),
                ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256")),
            username,
            LocalServer.Password);
        var parameters = RedirectParameters(response);
        Assert.True(parameters.ContainsKey("code"), "no code in " + response.Headers.Location);
        return parameters["code"];
    }

    public async Task<HttpResponseMessage> PostTokenAsync(IEnumerable<(string Name, string Value)> form, (string Id, string Secret)? basic = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "token")
        {
            Content = new FormUrlEncodedContent(form.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))),
        };
        if (basic is { } credentials)
        {
            request.Headers.Authorization = BasicAuthorization(credentials.Id, credentials.Secret);
        }

        return await Http.SendAsync(request);
    }

    public static AuthenticationHeaderValue BasicAuthorization(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(id) + ":" + Uri.EscapeDataString(secret))));

    public async Task<HttpResponseMessage> PostFormAsync(string path, IEnumerable<(string Name, string Value)> form, (string Id, string Secret)? basic = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(form.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))),
        };
        if (basic is { } credentials)
        {
            request.Headers.Authorization = BasicAuthorization(credentials.Id, credentials.Secret);
        }

        return await Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> GetResourceAsync(string? accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "resource");
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return await Http.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static async Task AssertOAuthErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal(error, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();

    [GeneratedRegex("name=\"csrf_token\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
