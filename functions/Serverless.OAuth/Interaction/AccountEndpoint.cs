using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Grants;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// /account: the signed-in user's apps (GET), and their actions (POST, CSRF-protected like the sign-in form): withdraw
/// the consent given to one app (<see cref="ConsentWithdrawal"/>), or sign out (<see cref="SessionEnding"/>). Apps are
/// named as the client directory knows them, metadata-document clients included.
/// </summary>
public sealed class AccountEndpoint(
    ISessionStore sessions, SessionEnding ending, IConsentStore consents, ConsentWithdrawal withdrawal, ClientDirectory clients, IApiStore apis, OAuthServerOptions options)
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
        if (form.StructuralError is not null || !CsrfGuard.CameFromOurPage(form, csrfCookie))
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
                return new HtmlPage(NoticePage.Render("Your account", "You are signed out.")) { Session = await ending.EndAsync(session, cancellationToken) };

            case Withdraw when form["client_id"] is { } clientId:
                await withdrawal.WithdrawAsync(session.Subject, clientId, cancellationToken);
                var name = await NameOfAsync(clientId, cancellationToken);
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
            apps.Add(new AllowedApp(await NameOfAsync(consent.ClientId, cancellationToken), consent));
        }

        var csrf = CsrfGuard.NewToken();
        return new HtmlPage(AccountPage.Render(session, apps, await apis.GetCatalogAsync(cancellationToken), options, csrf, notice), CsrfCookie: csrf);
    }

    /// <summary>The app's name, or its id when the directory no longer knows it (removed, or its document unreachable).</summary>
    private async Task<string> NameOfAsync(string clientId, CancellationToken cancellationToken) =>
        await clients.FindAsync(clientId, cancellationToken) is { Succeeded: true } found ? found.Value.Name : clientId;
}
