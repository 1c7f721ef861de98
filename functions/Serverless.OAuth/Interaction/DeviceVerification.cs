using Microsoft.Extensions.Logging;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// GET|POST /device, the verification page of the device authorization grant (RFC 8628 §3.3): the user enters the
/// code their device shows, signs in (the browser's session when it has one; otherwise the same sign-in step as
/// /authorize: an upstream provider, through <see cref="UpstreamChallenge"/>, which comes back here with the code filled
/// in, or the password, through the same <see cref="LoginStep"/>: its lockout, its audit, its new session), and allows
/// or denies the device's client, which the device learns at its next poll (<see cref="DeviceCodeGrant"/>).
/// Every post carries the user code again and is looked up again, under the lockout of the address it comes from
/// (<see cref="ILockout"/>, the address bucket failed sign-ins share): a wrong code is a failed attempt, so one address
/// gets at most <c>AddressLockout:MaxFailures</c> guesses per window before it is throttled. With 2.56 x 10^10 codes,
/// that bounds a guesser's chance (docs/device-flow.md). A user code is never logged.
/// </summary>
public sealed class DeviceVerification(
    DeviceAuthorizationStore devices,
    ILockout lockout,
    ISessionStore sessions,
    LoginStep login,
    UpstreamProviders upstream,
    UpstreamChallenge challenge,
    ClientDirectory clients,
    IApiStore apis,
    OAuthServerOptions options,
    ILogger<DeviceVerification> logger)
{
    /// <summary>The code entry, pre-filled from verification_uri_complete; nothing is looked up until the user confirms it.</summary>
    public EndpointResult Get(OAuthParameters query)
    {
        var typed = query.StructuralError is null ? query[FieldNames.UserCode] : null;
        var shown = UserCode.Normalize(typed) is { } normalized ? UserCode.Display(normalized) : null;
        return CodePage(shown, problem: null, status: 200);
    }

    public async Task<EndpointResult> PostAsync(
        OAuthParameters form, string? csrfCookie, string? sessionCookie, string? clientAddress, CancellationToken cancellationToken)
    {
        if (form.StructuralError is not null || !CsrfGuard.CameFromOurPage(form, csrfCookie))
        {
            return HtmlPage.ForError(OAuthError.InvalidRequest("The form expired or did not come from this server. Open the page on your device's screen again."));
        }

        var attempt = await lockout.AttemptAsync(
            [LockoutKey.ForAddress(clientAddress ?? LockoutKey.UnknownAddress)],
            token => devices.FindByUserCodeAsync(form[FieldNames.UserCode], token),
            cancellationToken);
        if (attempt.Value is not { } device)
        {
            if (attempt.LockedFor is { } wait)
            {
                DeviceEvents.UserCodeRefused(logger, "throttled");
                return CodePage(null, $"Too many wrong codes from your network. Try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes))} minute(s).", 429);
            }

            if (attempt.Busy)
            {
                return CodePage(null, "Too many codes are being checked at once. Please try again.", 503);
            }

            DeviceEvents.UserCodeRefused(logger, "unknown");
            return CodePage(null, "That code is not valid, or it has expired. Check the code on your device and try again.", 400);
        }

        var userCode = UserCode.Display(UserCode.Normalize(form[FieldNames.UserCode])!);
        if (device.Status != DeviceAuthorizationStatus.Pending)
        {
            return new HtmlPage(NoticePage.Render("Code already used", "This code was already used. Start again on your device to get a new one."), 400);
        }

        var client = await clients.FindAsync(device.ClientId, cancellationToken);
        if (!client.Succeeded)
        {
            return HtmlPage.ForError(OAuthError.InvalidRequest("The application that asked for this code is no longer registered."));
        }

        var clientName = client.Value.Name;
        var session = await sessions.FindAsync(sessionCookie, cancellationToken);
        SessionCookie? started = null;
        if (session is null)
        {
            if (form[FieldNames.Provider] is { } chosen)
            {
                // The provider's answer starts the session and comes back to the code, filled in as from
                // verification_uri_complete, for the user to confirm again: then the consent.
                return upstream.Find(chosen) is { } provider
                    ? await challenge.StartForPageAsync(provider, $"/device?{FieldNames.UserCode}={Uri.EscapeDataString(userCode)}", cancellationToken)
                    : SignInPage(userCode, clientName, username: null, "That way of signing in is not available. Choose another.");
            }

            if (form["username"] is null && form["password"] is null)
            {
                return SignInPage(userCode, clientName, username: null, problem: form["decision"] is null ? null : "Your sign-in has ended. Sign in again to continue.");
            }

            if (!options.LocalAccounts.Enabled)
            {
                return SignInPage(userCode, clientName, username: null, "Sign in with one of the ways shown.");
            }

            var signIn = await login.SignInAsync(device.ClientId, form["username"], form["password"], clientAddress, cancellationToken);
            if (signIn.User is not { } user)
            {
                return SignInPage(userCode, clientName, form["username"], signIn.Problem);
            }

            var newSession = await login.StartSessionAsync(user, sessionCookie, cancellationToken);
            started = new SessionCookie(newSession.CookieValue, options.SessionAbsoluteLifetime);

            // Signed in just now: the consent is always asked on its own page, never taken from the sign-in form.
            return await ConsentPageAsync(device, userCode, clientName, newSession.Session, cancellationToken) with { Session = started };
        }

        return form["decision"] switch
        {
            FieldNames.Allow => await DecideAsync(device, session, allowed: true, clientName, cancellationToken),
            FieldNames.Deny => await DecideAsync(device, session, allowed: false, clientName, cancellationToken),
            _ => await ConsentPageAsync(device, userCode, clientName, session, cancellationToken),
        };
    }

    /// <summary>Records the answer in the row, conditionally on its ETag (a poll may have written its time meanwhile: read again).</summary>
    private async Task<EndpointResult> DecideAsync(DeviceCodeEntity device, SignInSession session, bool allowed, string clientName, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (attempt > 0)
            {
                device = await devices.FindByPartitionAsync(device.PartitionKey, cancellationToken) ?? device;
            }

            if (device.Status != DeviceAuthorizationStatus.Pending || !devices.IsLive(device))
            {
                break;
            }

            device.Status = allowed ? DeviceAuthorizationStatus.Approved : DeviceAuthorizationStatus.Denied;
            if (allowed)
            {
                device.Subject = session.Subject;
                device.AuthTime = session.AuthTime;
                device.AuthenticationMethods = string.Join(' ', session.Amr);
                device.SessionId = session.Sid;
                device.ConsentAsked = true;
            }

            if (await devices.TryReplaceAsync(device, cancellationToken))
            {
                if (allowed)
                {
                    AuditEvents.ConsentGranted(logger, device.ClientId, session.Subject, device.Scope);
                    DeviceEvents.Approved(logger, device.ClientId, session.Subject);
                }
                else
                {
                    AuditEvents.ConsentDenied(logger, device.ClientId);
                    DeviceEvents.Denied(logger, device.ClientId, session.Subject);
                }

                return new HtmlPage(DevicePage.Done(clientName, allowed));
            }
        }

        return new HtmlPage(NoticePage.Render("Code already used", "This code was already answered, or it has expired. Start again on your device."), 400);
    }

    private async Task<EndpointResult> ConsentPageAsync(DeviceCodeEntity device, string userCode, string clientName, SignInSession session, CancellationToken cancellationToken)
    {
        var csrf = CsrfGuard.NewToken();
        var catalog = await apis.GetCatalogAsync(cancellationToken);
        return new HtmlPage(
            DevicePage.Consent(options, catalog, csrf, userCode, clientName, session.Username, ScopeSet.Parse(device.Scope) ?? ScopeSet.Empty),
            CsrfCookie: csrf);
    }

    private HtmlPage SignInPage(string userCode, string clientName, string? username, string? problem)
    {
        var view = DevicePage.SignIn(options, upstream.All, CsrfGuard.NewToken(), userCode, clientName) with { Username = username, Problem = problem };
        return HtmlPage.ForSignIn(view) with { Status = problem is null ? 200 : 400 };
    }

    private HtmlPage CodePage(string? userCode, string? problem, int status)
    {
        var csrf = CsrfGuard.NewToken();
        return new HtmlPage(DevicePage.EnterCode(options, csrf, userCode, problem), status, CsrfCookie: csrf);
    }
}
