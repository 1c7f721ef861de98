using System.Text;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Lockout;
using Serverless.OAuth.Options;
using Serverless.OAuth.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Users;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// GET /authorize renders the login and consent page for a valid request; POST /authorize takes the page's form
/// (re-validated exactly like the GET, CSRF-checked with a double-submit cookie) and redirects with a code, or an
/// error, to the verified redirect URI, always with "iss" (RFC 9207).
/// </summary>
public sealed class AuthorizeEndpoint(
    AuthorizeRequestValidator validator,
    UserStore users,
    FailedAttemptLockout lockout,
    GrantStore grants,
    OAuthServerOptions options,
    TimeProvider clock,
    ILogger<AuthorizeEndpoint> logger)
{
    public const string CsrfField = "csrf_token";

    private const string Route = "/authorize";

    public async Task<EndpointResult> GetAsync(OAuthParameters query, CancellationToken cancellationToken)
    {
        var (request, error) = await validator.ValidateAsync(query, cancellationToken);
        if (request is null)
        {
            return ErrorResult(error!);
        }

        var csrf = SecretValues.NewSecret();
        return LoginPageResult(request, csrf, username: null, message: null);
    }

    public async Task<EndpointResult> PostAsync(OAuthParameters form, string? csrfCookie, CancellationToken cancellationToken)
    {
        var (request, error) = await validator.ValidateAsync(form, cancellationToken);
        if (request is null)
        {
            return ErrorResult(error!);
        }

        // Double-submit: a cross-site form cannot read or set our SameSite=Strict cookie. A mismatch shows a page,
        // never a redirect, so a forged post cannot steer the user anywhere.
        var csrfField = form[CsrfField];
        if (csrfCookie is null || csrfField is null || !SecretValues.FixedTimeEquals(csrfCookie, csrfField))
        {
            ServerTelemetry.Error(Route, OAuthErrorCodes.InvalidRequest);
            return new PageResult(
                ErrorPage.Render(OAuthError.InvalidRequest("The sign-in form expired or did not come from this server. Go back to the application and start again.")),
                Status: 400);
        }

        if (form["decision"] == "deny")
        {
            AuditEvents.ConsentDenied(logger, request.Client.ClientId);
            return ErrorResult(new AuthorizationError(OAuthError.AccessDenied("The user denied the request."), request.RedirectUri, request.State));
        }

        if (form["decision"] != "allow")
        {
            return ErrorResult(new AuthorizationError(OAuthError.InvalidRequest("The form's decision is missing."), request.RedirectUri, request.State));
        }

        var username = form["username"];
        var password = form["password"];
        var lockoutKey = OAuthUser.Normalize(username) is { } normalized ? FailedAttemptLockout.UserKey(normalized) : null;
        var lockoutStatus = lockoutKey is null ? null : await lockout.CheckAsync(lockoutKey, cancellationToken);
        if (lockoutStatus?.LockedFor is { } locked)
        {
            AuditEvents.SignInLockedOut(logger, request.Client.ClientId);
            return LoginPageResult(request, csrfCookie, username, LockedMessage(locked));
        }

        var user = username is null || password is null ? null : await users.VerifyAsync(username, password, cancellationToken);
        if (user is null)
        {
            AuditEvents.SignInFailed(logger, request.Client.ClientId);
            var nowLocked = lockoutKey is null ? null : await lockout.RecordFailureAsync(lockoutKey, cancellationToken);
            return LoginPageResult(request, csrfCookie, username, nowLocked is { } duration ? LockedMessage(duration) : "The username or password is incorrect.");
        }

        await lockout.RecordSuccessAsync(lockoutStatus!, cancellationToken);
        AuditEvents.SignInSucceeded(logger, request.Client.ClientId, user.Subject);

        var now = clock.GetUtcNow();
        var code = await grants.CreateCodeAsync(
            new Grants.AuthorizationCodeEntity
            {
                ClientId = request.Client.ClientId,
                RedirectUri = request.RedirectUri,
                CodeChallenge = request.CodeChallenge,
                Scope = request.Scope.ToString(),
                Subject = user.Subject,
                AuthTime = now,
                ExpiresAt = now + options.AuthorizationCodeLifetime,
            },
            cancellationToken);
        AuditEvents.ConsentGranted(logger, request.Client.ClientId, user.Subject, request.Scope.ToString());
        return new RedirectResult(BuildRedirect(request.RedirectUri, ("code", code), ("state", request.State), ("iss", options.Issuer)));
    }

    private static string LockedMessage(TimeSpan locked) =>
        $"Too many failed sign-ins. Try again in {Math.Max(1, (int)Math.Ceiling(locked.TotalMinutes))} minute(s).";

    private PageResult LoginPageResult(AuthorizationRequest request, string csrf, string? username, string? message) =>
        new(LoginPage.Render(request, options, csrf, username, message), CsrfCookie: csrf, FormTarget: new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority));

    private EndpointResult ErrorResult(AuthorizationError error)
    {
        ServerTelemetry.Error(Route, error.Error.Error);
        if (error.RedirectUri is null)
        {
            return new PageResult(ErrorPage.Render(error.Error), Status: 400);
        }

        return new RedirectResult(BuildRedirect(
            error.RedirectUri,
            ("error", error.Error.Error),
            ("error_description", error.Error.Description),
            ("state", error.State),
            ("iss", options.Issuer)));
    }

    /// <summary>Adds parameters to the redirect URI's query, keeping any query it was registered with (RFC 6749 §3.1.2).</summary>
    public static string BuildRedirect(string redirectUri, params (string Name, string? Value)[] parameters)
    {
        var uri = new StringBuilder(redirectUri);
        var separator = redirectUri.Contains('?') ? '&' : '?';
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            uri.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return uri.ToString();
    }
}
