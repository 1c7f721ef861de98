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
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// /account: the signed-in user's apps (GET), and their actions (POST, CSRF-protected like the sign-in form): withdraw
/// the consent given to one app (<see cref="ConsentWithdrawal"/>), or sign out (<see cref="SessionEnding"/>). Apps are
/// named as the client directory knows them, metadata-document clients included. Without a session the page is the
/// same "how do you sign in" step an authorization shows (<see cref="LoginPage"/>: the providers, and the password
/// where local accounts are enabled), which lands back here: the password at once, a provider through
/// <see cref="UpstreamCallback"/> (a pending sign-in that returns to this page).
/// </summary>
public sealed class AccountEndpoint(
    ISessionStore sessions,
    SessionEnding ending,
    IConsentStore consents,
    ConsentWithdrawal withdrawal,
    ClientDirectory clients,
    IApiStore apis,
    LoginStep login,
    UpstreamProviders upstream,
    UpstreamChallenge challenge,
    OAuthServerOptions options)
{
    public const string Withdraw = "withdraw";
    public const string SignOut = "signout";
    public const string SignIn = "signin";

    /// <summary>What the audit events name as the client of a sign-in on this page, where no app asked.</summary>
    public const string AuditClientId = "(account page)";

    public async Task<EndpointResult> GetAsync(string? sessionCookie, CancellationToken cancellationToken)
    {
        var session = await sessions.FindAsync(sessionCookie, cancellationToken);
        return session is null ? SignInPage(CsrfGuard.NewToken(), username: null, problem: null) : await PageAsync(session, notice: null, cancellationToken);
    }

    public async Task<EndpointResult> PostAsync(OAuthParameters form, string? csrfCookie, string? sessionCookie, CancellationToken cancellationToken, string? clientAddress = null)
    {
        if (form.StructuralError is not null || !CsrfGuard.CameFromOurPage(form, csrfCookie))
        {
            return HtmlPage.ForError(OAuthError.InvalidRequest("The form expired or did not come from this server. Open your account page again."));
        }

        if (form["action"] == SignIn)
        {
            return await SignInAsync(InteractionForm.Read(form), csrfCookie!, sessionCookie, clientAddress, cancellationToken);
        }

        var session = await sessions.FindAsync(sessionCookie, cancellationToken);
        if (session is null)
        {
            return SignInPage(CsrfGuard.NewToken(), username: null, "Your sign-in has ended. Sign in again to continue.") with { Session = SessionCookie.Cleared };
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
                return HtmlPage.ForError(OAuthError.InvalidRequest("The form's action is missing or unknown."));
        }
    }

    /// <summary>The sign-in step, posted here: a provider's button, or the password, which starts the session and shows the page.</summary>
    private async Task<EndpointResult> SignInAsync(InteractionForm form, string csrfCookie, string? sessionCookie, string? clientAddress, CancellationToken cancellationToken)
    {
        if (form.Provider is { } chosen)
        {
            return upstream.Find(chosen) is { } provider
                ? await challenge.StartForPageAsync(provider, "/" + AccountPage.Route, cancellationToken)
                : SignInPage(csrfCookie, username: null, "That way of signing in is not available. Choose another.");
        }

        if (!options.LocalAccounts.Enabled)
        {
            return SignInPage(csrfCookie, username: null, "Sign in with one of the ways shown.");
        }

        var signIn = await login.SignInAsync(AuditClientId, form.Username, form.Password, clientAddress, cancellationToken);
        if (signIn.User is not { } user)
        {
            return SignInPage(csrfCookie, form.Username, signIn.Problem);
        }

        var started = await login.StartSessionAsync(user, sessionCookie, cancellationToken);
        return new RedirectTo(options.Issuer.TrimEnd('/') + "/" + AccountPage.Route) { Session = new SessionCookie(started.CookieValue, options.SessionAbsoluteLifetime) };
    }

    /// <summary>The "how do you sign in" step of the account page: no app asks, so there is no Cancel and no consent after it.</summary>
    private HtmlPage SignInPage(string csrf, string? username, string? problem)
    {
        var providers = upstream.All;
        var view = new SignInView(
            new Uri(options.Issuer).AbsolutePath.TrimEnd('/') + "/" + AccountPage.Route,
            [("action", SignIn)],
            csrf,
            "Sign in - Your account",
            "Sign in to your account",
            Html.Of($"<p class=\"lead\">See the apps you allowed to use your account, and withdraw them.</p>\n"),
            providers,
            options.LocalAccounts.Enabled,
            ReturnOrigin: null) { Username = username, Problem = problem };
        return HtmlPage.ForSignIn(view);
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
