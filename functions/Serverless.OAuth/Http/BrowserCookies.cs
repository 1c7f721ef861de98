using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Serverless.OAuth.Http;

/// <summary>
/// Which cookie names this server sets for a request, and reading back only those: where it sets the __Host- cookies
/// (https, and whenever the host is not Development), an unprefixed one could have been planted by a sibling
/// subdomain or over plain http, so it must not pass the double-submit check or name a session.
/// </summary>
public sealed class BrowserCookies(IHostEnvironment environment)
{
    public bool Secure(HttpRequest request) => request.IsHttps || !environment.IsDevelopment();

    public string? Csrf(HttpRequest request) =>
        request.Cookies[Secure(request) ? EndpointHttpResult.SecureCsrfCookieName : EndpointHttpResult.CsrfCookieName];

    /// <summary>The sign-in session cookie, by the same rule as the CSRF cookie: only the name this server sets here.</summary>
    public string? Session(HttpRequest request) =>
        request.Cookies[Secure(request) ? EndpointHttpResult.SecureSessionCookieName : EndpointHttpResult.SessionCookieName];

    /// <summary>The cookie that binds an upstream provider's answer to the browser that was sent there.</summary>
    public string? SignInBinding(HttpRequest request) =>
        request.Cookies[Secure(request) ? EndpointHttpResult.SecureSignInBindingCookieName : EndpointHttpResult.SignInBindingCookieName];
}
