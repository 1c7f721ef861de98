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
        var validation = await validator.ValidateAsync(query, cancellationToken);
        if (!validation.Succeeded)
        {
            return ErrorResult(validation.Error);
        }

        var request = validation.Value;
        var csrf = SecretValues.NewSecret();
        return LoginPageResult(request, csrf, username: null, message: null);
    }

    public async Task<EndpointResult> PostAsync(OAuthParameters form, string? csrfCookie, string? clientAddress, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(form, cancellationToken);
        if (!validation.Succeeded)
        {
            return ErrorResult(validation.Error);
        }

        var request = validation.Value;

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
            return ErrorResult(OAuthError.AccessDenied("The user denied the request.").RedirectedTo(request.RedirectUri, request.State));
        }

        if (form["decision"] != "allow")
        {
            return ErrorResult(OAuthError.InvalidRequest("The form's decision is missing.").RedirectedTo(request.RedirectUri, request.State));
        }

        var username = form["username"];
        var password = form["password"];
        var keys = new List<LockoutKey>(2);
        if (OAuthUser.Normalize(username) is { } normalized)
        {
            keys.Add(lockout.UserKey(normalized));
        }

        if (clientAddress is not null)
        {
            keys.Add(lockout.AddressKey(clientAddress));
        }

        var attempt = await lockout.AttemptAsync(
            keys,
            token => username is null || password is null ? Task.FromResult<OAuthUser?>(null) : users.VerifyAsync(username, password, token),
            cancellationToken);
        if (attempt.Value is not { } user)
        {
            if (attempt.Checked)
            {
                AuditEvents.SignInFailed(logger, request.Client.ClientId);
            }
            else
            {
                AuditEvents.SignInLockedOut(logger, request.Client.ClientId);
            }

            var message = attempt.LockedFor is not { } locked ? "The username or password is incorrect."
                : attempt.LockedKey!.Kind == LockoutKey.Address ? $"Too many failed sign-ins from your network. Try again in {Minutes(locked)} minute(s)."
                : $"Too many failed sign-ins. Try again in {Minutes(locked)} minute(s).";
            return LoginPageResult(request, csrfCookie, username, message);
        }

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

    private static int Minutes(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));

    private PageResult LoginPageResult(AuthorizationRequest request, string csrf, string? username, string? message) =>
        new(LoginPage.Render(request, options, csrf, username, message), CsrfCookie: csrf, FormTarget: new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority));

    private EndpointResult ErrorResult(OAuthError error)
    {
        ServerTelemetry.Error(Route, error.Error);
        if (error.Redirect is not { } redirect)
        {
            return new PageResult(ErrorPage.Render(error), Status: 400);
        }

        return new RedirectResult(BuildRedirect(
            redirect.RedirectUri,
            ("error", error.Error),
            ("error_description", error.Description),
            ("state", redirect.State),
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
