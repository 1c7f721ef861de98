using System.Diagnostics;
using System.Text.Json;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Options;
using Serverless.OAuth.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Telemetry;

namespace Serverless.OAuth.Http;

/// <summary>
/// The HTTP face of every route, shared by the Functions app and the local host: read the request (strictly: form
/// bodies only where RFC 6749 says so, with size limits), run the endpoint, and turn any dependency failure into
/// 503 temporarily_unavailable and anything unexpected into 500 server_error, never a stack trace.
/// </summary>
public sealed class OAuthHttpHandlers(
    AuthorizeEndpoint authorize,
    AccountEndpoint account,
    EndSessionEndpoint endSession,
    TokenEndpoint token,
    RevocationEndpoint revocation,
    IntrospectionEndpoint introspection,
    MetadataEndpoint metadata,
    UserInfoEndpoint userInfo,
    RegistrationEndpoint registration,
    Interaction.UpstreamCallback upstreamCallback,
    OAuthServerOptions options,
    IHostEnvironment environment,
    ILogger<OAuthHttpHandlers> logger)
{
    public const long MaxFormBytes = 64 * 1024;

    public const long MaxJsonBytes = 16 * 1024;

    private static readonly FormOptions FormLimits = new()
    {
        ValueCountLimit = 64,
        KeyLengthLimit = 256,
        ValueLengthLimit = OAuthParameters.MaxValueLength * 2,
        MultipartBodyLengthLimit = MaxFormBytes,
        BufferBodyLengthLimit = MaxFormBytes,
    };

    public Task<IResult> HomeAsync(HttpRequest request) =>
        Task.FromResult(Result(request, new HtmlPage(HomePage.Render(options.Issuer))));

    public Task<IResult> MetadataAsync(HttpRequest request) => RunAsync(request, page: false, () => metadata.MetadataAsync(request.HttpContext.RequestAborted));

    public Task<IResult> OpenIdConfigurationAsync(HttpRequest request) => RunAsync(request, page: false, () => metadata.OpenIdConfigurationAsync(request.HttpContext.RequestAborted));

    /// <summary>GET or POST: the token is in the Authorization header either way (a POST's body is not read).</summary>
    public Task<IResult> UserInfoAsync(HttpRequest request) =>
        RunAsync(request, page: false, () => userInfo.HandleAsync(request.Headers.Authorization, request.HttpContext.RequestAborted));

    public Task<IResult> JwksAsync(HttpRequest request) => RunAsync(request, page: false, () => metadata.JwksAsync(request.HttpContext.RequestAborted));

    public Task<IResult> AuthorizeGetAsync(HttpRequest request) =>
        RunAsync(request, page: true, () => authorize.GetAsync(OAuthParameters.From(request.Query), ReadSessionCookie(request), request.HttpContext.RequestAborted));

    public Task<IResult> AuthorizePostAsync(HttpRequest request) =>
        RunFormAsync(request, page: true, form => authorize.PostAsync(form, ReadCsrfCookie(request), ReadSessionCookie(request), Address(request), request.HttpContext.RequestAborted));

    public Task<IResult> AccountGetAsync(HttpRequest request) =>
        RunAsync(request, page: true, () => account.GetAsync(ReadSessionCookie(request), request.HttpContext.RequestAborted));

    public Task<IResult> AccountPostAsync(HttpRequest request) =>
        RunFormAsync(request, page: true, form => account.PostAsync(form, ReadCsrfCookie(request), ReadSessionCookie(request), request.HttpContext.RequestAborted));

    public Task<IResult> EndSessionGetAsync(HttpRequest request) =>
        RunAsync(request, page: true, () => endSession.RequestAsync(OAuthParameters.From(request.Query), ReadSessionCookie(request), request.HttpContext.RequestAborted));

    public Task<IResult> EndSessionPostAsync(HttpRequest request) =>
        RunFormAsync(request, page: true, form => endSession.PostAsync(form, ReadCsrfCookie(request), ReadSessionCookie(request), request.HttpContext.RequestAborted));

    /// <summary>GET /signin/{provider}/callback: the provider's name is the path's middle segment (the route allows no other shape).</summary>
    public Task<IResult> UpstreamCallbackAsync(HttpRequest request) =>
        RunAsync(request, page: true, () => upstreamCallback.HandleAsync(
            ProviderOf(request.Path.Value ?? ""),
            OAuthParameters.From(request.Query),
            request.Cookies[SecureCookies(request) ? EndpointHttpResult.SecureSignInBindingCookieName : EndpointHttpResult.SignInBindingCookieName],
            ReadSessionCookie(request),
            request.HttpContext.RequestAborted));

    private static string ProviderOf(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length == 3 ? segments[1] : "";
    }

    public Task<IResult> TokenAsync(HttpRequest request) =>
        RunFormAsync(request, page: false, form => token.HandleAsync(request.Headers.Authorization, form, Address(request), request.HttpContext.RequestAborted));

    public Task<IResult> RevokeAsync(HttpRequest request) =>
        RunFormAsync(request, page: false, form => revocation.HandleAsync(request.Headers.Authorization, form, Address(request), request.HttpContext.RequestAborted));

    public Task<IResult> IntrospectAsync(HttpRequest request) =>
        RunFormAsync(request, page: false, form => introspection.HandleAsync(request.Headers.Authorization, form, Address(request), request.HttpContext.RequestAborted));

    public Task<IResult> RegisterAsync(HttpRequest request) =>
        RunAsync(request, page: false, () => registration.HandleAsync(_ => ReadJsonAsync(request), Address(request), request.HttpContext.RequestAborted));

    private Task<IResult> RunFormAsync(HttpRequest request, bool page, Func<OAuthParameters, Task<EndpointResult>> handler) =>
        RunAsync(request, page, async () =>
        {
            var form = await ReadFormAsync(request);
            return form.Succeeded ? await handler(form.Value) : Error(request, page, form.Error);
        });

    /// <summary>Runs an endpoint (the server's or the demo's) and answers its result; failures as the class summary says.</summary>
    public async Task<IResult> RunAsync(HttpRequest request, bool page, Func<Task<EndpointResult>> handler)
    {
        // Joined to the incoming request's trace (the host's request span is the current activity).
        using var span = ServerTelemetry.Source.HasListeners() ? ServerTelemetry.Source.StartActivity("oauth " + request.Path.Value) : null;
        try
        {
            return Result(request, await handler());
        }
        catch (Exception e) when (DependencyUnavailableException.IsTransient(e, request.HttpContext.RequestAborted))
        {
            logger.LogWarning("A dependency failed on {Path}: {ExceptionType} {Status}", request.Path, e.GetType().Name, (e.InnerException as RequestFailedException)?.Status);
            return Result(request, Error(request, page, OAuthError.TemporarilyUnavailable()));
        }
        catch (Exception e) when (!request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The exception is logged without its message: messages of the libraries below may quote request data.
            logger.LogError("Unexpected {ExceptionType} on {Path} at {StackTrace}", e.GetType().FullName, request.Path, e.StackTrace);
            return Result(request, Error(request, page, OAuthError.ServerError()));
        }
    }

    /// <summary>
    /// The error for an exception that escaped a handler in the host's own pipeline: 503 temporarily_unavailable when
    /// a dependency failed, 500 server_error otherwise (RFC 6749 §4.1.2.1, §5.2), as the handlers answer themselves.
    /// </summary>
    public static IResult Failure(Exception exception, HttpRequest request) =>
        new EndpointHttpResult(
            new OAuthErrorResult(DependencyUnavailableException.IsTransient(exception, request.HttpContext.RequestAborted) ? OAuthError.TemporarilyUnavailable() : OAuthError.ServerError()),
            secureCookies: true);

    private static async Task<OAuthResult<OAuthParameters>> ReadFormAsync(HttpRequest request)
    {
        if (!request.HasFormContentType || request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            return OAuthError.InvalidRequest("The request body must be application/x-www-form-urlencoded.");
        }

        if (request.ContentLength > MaxFormBytes)
        {
            return OAuthError.InvalidRequest("The request body is too large.");
        }

        try
        {
            var features = request.HttpContext.Features;
            features.Set<IFormFeature>(new FormFeature(request, FormLimits));
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            return OAuthParameters.From(form);
        }
        catch (InvalidDataException)
        {
            return OAuthError.InvalidRequest("The request body is too large or malformed.");
        }
        catch (BadHttpRequestException)
        {
            return OAuthError.InvalidRequest("The request body is too large or malformed.");
        }
    }

    /// <summary>A JSON request body (RFC 7591 §3.1), at most <see cref="MaxJsonBytes"/>; the caller disposes the document.</summary>
    private static async Task<OAuthResult<JsonDocument>> ReadJsonAsync(HttpRequest request)
    {
        if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return OAuthError.InvalidClientMetadata("The request body must be application/json.");
        }

        if (request.ContentLength > MaxJsonBytes)
        {
            return OAuthError.InvalidClientMetadata("The request body is too large.");
        }

        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxJsonBytes)
            {
                return OAuthError.InvalidClientMetadata("The request body is too large.");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return OAuthError.InvalidClientMetadata("The request body is not valid JSON.");
        }
    }

    private string? Address(HttpRequest request) => ClientAddress.From(request, options.ForwardedForHops);

    /// <summary>
    /// Only the cookie this server sets for this request: where it sets the __Host- cookie, an unprefixed one could
    /// have been planted by a sibling subdomain or over plain http, so it must not pass the double-submit check.
    /// </summary>
    private string? ReadCsrfCookie(HttpRequest request) =>
        request.Cookies[SecureCookies(request) ? EndpointHttpResult.SecureCsrfCookieName : EndpointHttpResult.CsrfCookieName];

    /// <summary>The sign-in session cookie, by the same rule as the CSRF cookie: only the name this server sets here.</summary>
    private string? ReadSessionCookie(HttpRequest request) =>
        request.Cookies[SecureCookies(request) ? EndpointHttpResult.SecureSessionCookieName : EndpointHttpResult.SessionCookieName];

    private bool SecureCookies(HttpRequest request) => request.IsHttps || !environment.IsDevelopment();

    /// <summary>An error the handler itself answers; on a page route it is counted here, since a page does not say its error code.</summary>
    private static EndpointResult Error(HttpRequest request, bool page, OAuthError error)
    {
        if (!page)
        {
            return new OAuthErrorResult(error);
        }

        Counted(request, error);
        return new HtmlPage(ErrorPage.Render(error), EndpointHttpResult.StatusFor(error));
    }

    /// <summary>A result as HTTP, its error (if any) counted.</summary>
    public IResult Result(HttpRequest request, EndpointResult result)
    {
        if (result switch { OAuthErrorResult e => e.Error, BearerChallengeResult c => c.Error, _ => null } is { } error)
        {
            Counted(request, error);
        }

        return new EndpointHttpResult(result, SecureCookies(request));
    }

    private static void Counted(HttpRequest request, OAuthError error)
    {
        ServerTelemetry.Error(request.Path.Value ?? "", error.Error);
        if (Activity.Current is { } span && span.Source == ServerTelemetry.Source)
        {
            span.SetTag("oauth.error", error.Error);
            if (EndpointHttpResult.StatusFor(error) >= 500)
            {
                span.SetStatus(ActivityStatusCode.Error);
            }
        }
    }
}
