using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Interaction;

namespace Serverless.OAuth.Http;

/// <summary>
/// The one place where endpoint results become HTTP: OAuth error codes to status codes (invalid_client 401 with a
/// Basic challenge, server_error 500, temporarily_unavailable 503, throttled 429 with Retry-After, RFC 6750 errors
/// 401/403 with a Bearer challenge, others 400; redirects 302, or 303 after a POST), Cache-Control: no-store on every
/// token-bearing answer and error, and the security headers of pages.
/// </summary>
public sealed class EndpointHttpResult(EndpointResult result, bool secureCookies) : IResult
{
    public const string CsrfCookieName = "oauth_csrf";
    public const string SecureCsrfCookieName = "__Host-oauth_csrf";

    /// <summary>
    /// The sign-in session cookie. Like the CSRF cookie, its name follows the transport: on https (and whenever the
    /// host is not Development) "__Host-", which the browser accepts only Secure, host-only and on Path=/, so no sibling
    /// subdomain or plain-http page can plant or overwrite it; on http://localhost in Development the prefix is not
    /// allowed (no Secure), so the plain name is used, and only that name is read there.
    /// </summary>
    public const string SessionCookieName = "oauth_session";
    public const string SecureSessionCookieName = "__Host-oauth_session";

    /// <summary>
    /// Binds an upstream provider's answer to the browser that was sent there (login CSRF, OWASP's OAuth cheat sheet).
    /// SameSite=Lax: the answer arrives as a top-level navigation from the provider's site.
    /// </summary>
    public const string SignInBindingCookieName = "oauth_signin";
    public const string SecureSignInBindingCookieName = "__Host-oauth_signin";

    /// <summary>
    /// When a 503 says to try again (RFC 9110 §10.2.3): the storage retries of the failed request are spent by then,
    /// and a throttled partition has usually recovered.
    /// </summary>
    public const string RetryAfterSeconds = "5";

    public EndpointResult Result => result;

    /// <summary>
    /// The one place an answer's error is counted (<c>oauth.errors</c> by route and code, and on the endpoint's span),
    /// whatever the answer is: JSON, a Bearer challenge, an error page or an error sent to the client's redirect URI.
    /// </summary>
    public static EndpointHttpResult Counted(HttpRequest request, EndpointResult result, bool secureCookies)
    {
        if (result.Failure is { } error)
        {
            ServerTelemetry.Error(request.Path.Value ?? "", error.Error);
            if (Activity.Current is { } span && span.Source == ServerTelemetry.Source)
            {
                span.SetTag("oauth.error", error.Error);
                if (error.HttpStatus >= 500)
                {
                    span.SetStatus(ActivityStatusCode.Error);
                }
            }
        }

        return new EndpointHttpResult(result, secureCookies);
    }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        if (result.Session is { } session)
        {
            WriteSessionCookie(response, session);
        }

        if (result.Failure?.DpopNonce is { } nonce)
        {
            // RFC 9449 §8.1: the nonce the client must put in its next proof.
            response.Headers["DPoP-Nonce"] = nonce;
        }

        if (result.SignInBinding is { } binding)
        {
            WriteCookie(response, secureCookies ? SecureSignInBindingCookieName : SignInBindingCookieName, binding);
        }

        switch (result)
        {
            case JsonBody json:
                response.StatusCode = json.Status;
                SetCaching(response, json.NoStore, json.CacheControl);
                return WriteJsonAsync(response, json.Body);

            case OAuthErrorResult error:
                response.StatusCode = error.Error.HttpStatus;
                SetCaching(response, noStore: true, null);
                if (error.Error.Error == OAuthErrorCodes.InvalidClient)
                {
                    response.Headers.WWWAuthenticate = "Basic realm=\"oauth\", charset=\"UTF-8\"";
                }
                else if (error.Error.Error == OAuthErrorCodes.TemporarilyUnavailable)
                {
                    response.Headers.RetryAfter = RetryAfterSeconds;
                }

                if (error.Error.RetryAfter is { } retryAfter)
                {
                    response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return WriteJsonAsync(response, ErrorResponse.From(error.Error));

            case BearerChallengeResult challenge:
                return WriteBearerChallengeAsync(response, challenge);

            case RedirectTo redirect:
                // RFC 9700 §4.12: after a form POST (the login page) 303, so the browser does not re-send the form,
                // with the user's password, to the client's redirect URI.
                response.StatusCode = HttpMethods.IsPost(httpContext.Request.Method) ? StatusCodes.Status303SeeOther : StatusCodes.Status302Found;
                SetCaching(response, noStore: true, null);
                response.Headers.Location = redirect.Location;
                return Task.CompletedTask;

            case HtmlPage page:
                return WritePageAsync(response, page);

            case StaticFileResult file:
                // Revalidated on every load: the files are small, and a new server version must never meet an old script.
                response.StatusCode = StatusCodes.Status200OK;
                response.Headers.CacheControl = "no-cache";
                response.ContentType = file.ContentType;
                return response.WriteAsync(file.Body, Encoding.UTF8);

            default:
                throw new InvalidOperationException($"Unknown result {result.GetType().Name}.");
        }
    }

    private Task WritePageAsync(HttpResponse response, HtmlPage page)
    {
        response.StatusCode = page.Status;
        if (page.Status == StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers.RetryAfter = RetryAfterSeconds;
        }

        SetCaching(response, noStore: true, null);
        response.Headers.ContentSecurityPolicy = page.ContentSecurityPolicy ?? PageLayout.ContentSecurityPolicy(page.FormTarget);
        response.Headers.XFrameOptions = "DENY";
        if (page.CsrfCookie is not null)
        {
            response.Cookies.Append(secureCookies ? SecureCsrfCookieName : CsrfCookieName, page.CsrfCookie, new CookieOptions
            {
                HttpOnly = true,
                Secure = secureCookies,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                MaxAge = HtmlPage.FormLifetime,
            });
        }

        response.ContentType = "text/html; charset=utf-8";
        return response.WriteAsync(page.Body.ToString(), Encoding.UTF8);
    }

    /// <summary>
    /// SameSite=Lax, not Strict: the browser must send it on the top-level redirect from a client's site to /authorize,
    /// which is what lets a signed-in user through without the password; a cross-site form POST still goes without it.
    /// </summary>
    private void WriteSessionCookie(HttpResponse response, SessionCookie session) =>
        WriteCookie(response, secureCookies ? SecureSessionCookieName : SessionCookieName, session);

    private void WriteCookie(HttpResponse response, string name, SessionCookie session)
    {
        var cookie = new CookieOptions { HttpOnly = true, Secure = secureCookies, SameSite = SameSiteMode.Lax, Path = "/" };
        if (session.Value is null)
        {
            response.Cookies.Delete(name, cookie);
        }
        else
        {
            cookie.MaxAge = session.MaxAge;
            response.Cookies.Append(name, session.Value, cookie);
        }
    }

    private static Task WriteBearerChallengeAsync(HttpResponse response, BearerChallengeResult challenge)
    {
        // RFC 6750 §3: a bare challenge when no token was sent; error (and scope) when one was rejected. RFC 9728 §5.1:
        // resource_metadata in either, so that a client can find the authorization server. RFC 9449 §7.1: a DPoP
        // challenge with the algs beside it, the error in the challenge of the scheme the client used.
        var header = new StringBuilder("Bearer realm=\"").Append(Quoted(challenge.Realm)).Append('"');
        if (!challenge.ErrorInDpopChallenge || challenge.DpopAlgorithms is null)
        {
            AppendError(header, challenge);
        }

        if (challenge.ResourceMetadata is not null)
        {
            header.Append(", resource_metadata=\"").Append(Quoted(challenge.ResourceMetadata)).Append('"');
        }

        var dpop = (StringBuilder?)null;
        if (challenge.DpopAlgorithms is { } algorithms)
        {
            dpop = new StringBuilder("DPoP realm=\"").Append(Quoted(challenge.Realm)).Append('"');
            if (challenge.ErrorInDpopChallenge)
            {
                AppendError(dpop, challenge);
            }

            dpop.Append(", algs=\"").Append(string.Join(' ', algorithms)).Append('"');
        }

        // A DPoP proof error at a resource is a 401 (RFC 9449 §7.1, §9), though at /token it is a 400.
        response.StatusCode = challenge.Error is null || challenge.Error.Error is OAuthErrorCodes.InvalidDpopProof or OAuthErrorCodes.UseDpopNonce
            ? StatusCodes.Status401Unauthorized
            : challenge.Error.HttpStatus;
        // Both challenges in one field value (RFC 9110 §11.6.1), as a proxy that keeps one header line keeps both.
        response.Headers.WWWAuthenticate = dpop is null ? header.ToString() : header.Append(", ").Append(dpop).ToString();
        SetCaching(response, noStore: true, null);
        return challenge.Error is null ? Task.CompletedTask : WriteJsonAsync(response, ErrorResponse.From(challenge.Error));
    }

    private static void AppendError(StringBuilder header, BearerChallengeResult challenge)
    {
        if (challenge.Error is not { } error)
        {
            return;
        }

        header.Append(", error=\"").Append(error.Error).Append('"');
        if (error.Description is not null)
        {
            header.Append(", error_description=\"").Append(Quoted(error.Description)).Append('"');
        }

        if (challenge.Scope is not null)
        {
            header.Append(", scope=\"").Append(Quoted(challenge.Scope)).Append('"');
        }
    }

    private static void SetCaching(HttpResponse response, bool noStore, string? cacheControl)
    {
        if (noStore)
        {
            response.Headers.CacheControl = "no-store";
            response.Headers.Pragma = "no-cache";
        }
        else if (cacheControl is not null)
        {
            response.Headers.CacheControl = cacheControl;
        }
    }

    /// <summary>
    /// Bodies are small: serialized in one piece, they go out with a Content-Length in one write, instead of a chunked
    /// response that costs the server an extra write and the client a chunk parser.
    /// </summary>
    private static Task WriteJsonAsync(HttpResponse response, object body)
    {
        // Only the generated serializers (OAuthJsonContext): a body type without one is a bug, not a reason to reflect.
        var typeInfo = OAuthJsonContext.Default.GetTypeInfo(body.GetType())
            ?? throw new InvalidOperationException($"{body.GetType().Name} has no generated serializer; add it to OAuthJsonContext.");
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, typeInfo);
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes).AsTask();
    }

    private static string Quoted(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
