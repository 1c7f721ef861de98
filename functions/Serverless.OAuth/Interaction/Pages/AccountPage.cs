using Serverless.OAuth.Clients.Apis;
using System.Globalization;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Identity.Sessions;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>An app on the account page: its name beside what the user allowed it.</summary>
public sealed record AllowedApp(string Name, Consent Consent);

/// <summary>
/// The signed-in user's own page: the apps they allowed, with what each may do, a button to withdraw each, and one to
/// sign out. Every button is a POST form carrying the CSRF token.
/// </summary>
public static class AccountPage
{
    public const string Route = "account";

    public static Html Render(SignInSession session, IReadOnlyList<AllowedApp> apps, ApiCatalog apis, OAuthServerOptions options, string csrfToken, string? notice)
    {
        var csrf = Html.Of($"<input type=\"hidden\" name=\"{FieldNames.Csrf}\" value=\"{csrfToken}\">");
        var status = notice is null ? Html.Empty : Html.Of($"<p class=\"lead\" role=\"status\" id=\"account-notice\">{notice}</p>\n");
        var list = apps.Count == 0
            ? Html.Of($"<p class=\"lead\" id=\"no-apps\">You have not allowed any app yet.</p>\n")
            : Html.Of($"""
                <ul class="apps" aria-labelledby="apps-heading">
                {Html.Join(apps.Select(app => Item(app, apis, options, csrf)))}</ul>

                """);
        return PageLayout.Render("Your account", Html.Of($"""
            <div class="card">
            <h1>Your account</h1>
            <p class="lead">Signed in as <strong>{session.Username}</strong>.</p>
            {status}<h2 id="apps-heading">Apps you allowed</h2>
            {list}<form method="post" action="{Route}">
            {csrf}<div class="actions">
            <button type="submit" name="action" value="signout" class="deny">Sign out</button>
            </div>
            </form>
            </div>
            """));
    }

    private static Html Item(AllowedApp app, ApiCatalog apis, OAuthServerOptions options, Html csrf)
    {
        var scopes = Html.Join(app.Consent.Scope.Values.Select(scope => Html.Of($"<li>{ScopeWords.Describe(scope, apis, options)} <code>({scope})</code></li>\n")));
        var since = app.Consent.GrantedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return Html.Of($"""
            <li>
            <h3>{app.Name}</h3>
            <p class="lead">Allowed on {since}:</p>
            <ul class="scopes">
            {scopes}</ul>
            <form method="post" action="{Route}">
            {csrf}<input type="hidden" name="client_id" value="{app.Consent.ClientId}">
            <div class="actions">
            <button type="submit" name="action" value="withdraw" class="deny" aria-label="Remove access for {app.Name}">Remove access</button>
            </div>
            </form>
            </li>

            """);
    }
}
