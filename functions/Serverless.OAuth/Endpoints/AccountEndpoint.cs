using Serverless.OAuth.Apis;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Consents;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Options;
using Serverless.OAuth.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Sessions;
using Serverless.OAuth.Telemetry;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// /account: the signed-in user's apps (GET), and their actions (POST, CSRF-protected like the sign-in form): withdraw
/// the consent given to one app (<see cref="ConsentWithdrawal"/>), or sign out (the session row is deleted, so every
/// instance refuses its cookie from the next request, and the cookie is cleared).
/// </summary>
public sealed class AccountEndpoint(
    ISessionStore sessions, IConsentStore consents, ConsentWithdrawal withdrawal, IClientStore clients, IApiStore apis, OAuthServerOptions options, ILogger<AccountEndpoint> logger)
{
    public const string Withdraw = "withdraw";
    public const string SignOut = "signout";

    private const string NotSignedIn = "You are not signed in here. Sign in through an app to see the apps you allowed.";

    public async Task<EndpointResult> GetAsync(string? sessionCookie, CancellationToken cancellationToken)
    {
        var session = await sessions.FindAsync(sessionCookie, cancellationToken);
        return session is null ? new HtmlPage(NoticePage.Render("Your account", NotSignedIn)) : await PageAsync(session, notice: null, cancellationToken);
    }

    public async Task<EndpointResult> PostAsync(OAuthParameters form, string? csrfCookie, string? sessionCookie, CancellationToken cancellationToken)
    {
        if (form.StructuralError is not null || !new InteractionForm(form[InteractionForm.CsrfField], null, null, null).CameFromOurPage(csrfCookie))
        {
            return HtmlPage.ForError(OAuthError.InvalidRequest("The form expired or did not come from this server. Open your account page again."), 400);
        }

        var session = await sessions.FindAsync(sessionCookie, cancellationToken);
        if (session is null)
        {
            return new HtmlPage(NoticePage.Render("Your account", NotSignedIn)) { Session = SessionCookie.Cleared };
        }

        switch (form["action"])
        {
            case SignOut:
                await sessions.EndAsync(session.Sid, cancellationToken);
                AuditEvents.SessionEnded(logger, session.Subject);
                return new HtmlPage(NoticePage.Render("Your account", "You are signed out.")) { Session = SessionCookie.Cleared };

            case Withdraw when form["client_id"] is { } clientId:
                await withdrawal.WithdrawAsync(session.Subject, clientId, cancellationToken);
                var name = (await clients.FindAsync(clientId, cancellationToken))?.Name ?? clientId;
                return await PageAsync(session, $"{name} no longer has access to your account.", cancellationToken);

            default:
                return HtmlPage.ForError(OAuthError.InvalidRequest("The form's action is missing or unknown."), 400);
        }
    }

    private async Task<EndpointResult> PageAsync(SignInSession session, string? notice, CancellationToken cancellationToken)
    {
        var apps = new List<AllowedApp>();
        foreach (var consent in await consents.ListAsync(session.Subject, cancellationToken))
        {
            var client = await clients.FindAsync(consent.ClientId, cancellationToken);
            apps.Add(new AllowedApp(client?.Name ?? consent.ClientId, consent));
        }

        var csrf = SecretValues.NewSecret();
        return new HtmlPage(AccountPage.Render(session, apps, await apis.GetCatalogAsync(cancellationToken), options, csrf, notice), CsrfCookie: csrf);
    }
}
