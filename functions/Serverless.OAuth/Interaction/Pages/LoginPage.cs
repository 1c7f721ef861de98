using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// The login and consent page: who is asking, for what, in words (each API scope with the API it opens, each API asked
/// for without a scope by name); username and password unless a sign-in session already says who the user is; Allow
/// or Deny. <paramref name="scope"/> is what the user is asked about: the whole request, or only what is new since the
/// consent they gave this client before. Without a session, the page first asks how the user signs in: one button per
/// upstream provider (a form of its own, so Enter in the password field never picks one), then the password form,
/// only where local accounts are enabled. Without local accounts the page is the choice alone; the consent follows,
/// once the provider has answered, and only for what is new.
/// </summary>
public static class LoginPage
{
    private static readonly Html Autofocus = Html.Of($" autofocus");

    public static Html Render(
        AuthorizationRequest request,
        OAuthServerOptions options,
        ApiCatalog apis,
        string csrfToken,
        SignInSession? session,
        ScopeSet scope,
        string? username,
        string? error,
        IReadOnlyList<UpstreamProvider>? providers = null)
    {
        providers ??= [];

        // Path-absolute: the page is also rendered at /signin/{provider}/callback, where "authorize" would resolve elsewhere.
        var action = new Uri(options.Issuer).AbsolutePath.TrimEnd('/') + "/authorize";
        var client = request.Client.Name;
        var hiddenFields = Html.Join(request.FormFields().Select(field => Html.Of($"<input type=\"hidden\" name=\"{field.Name}\" value=\"{field.Value}\">\n")));
        var alert = error is null ? Html.Empty : Html.Of($"<p class=\"error\" role=\"alert\" id=\"login-error\">{error}</p>\n");

        // After a failed attempt the username is kept and the password is where the user continues; both fields are
        // marked invalid and point at the message, so a screen reader reads why.
        var failed = error is null ? Html.Empty : Html.Of($" aria-invalid=\"true\" aria-describedby=\"login-error\"");
        var focusUsername = error is null || string.IsNullOrEmpty(username);

        // Whether the app stays signed in follows from the client and the scope (OAuthClient.IssuesRefreshToken), and
        // the page says which: "offline_access" is listed only when it has that effect, or added when the client has
        // opted out of needing it, and otherwise the page says the access ends.
        var staysSignedIn = request.Client.IssuesRefreshToken(request.Scope);
        var scopes = Html.Join(scope.Values
            .Where(name => name != ScopeSet.OfflineAccess || staysSignedIn)
            .Select(name => apis.OwnerOf(name) is { } api
                ? Html.Of($"<li>{ScopeWords.Describe(name, apis, options)} <code>({name})</code> <span class=\"api\">in {api.Name}</span></li>\n")
                : Html.Of($"<li>{ScopeWords.Describe(name, apis, options)} <code>({name})</code></li>\n")));
        var apisWithoutScope = Html.Join(request.Resources
            .Select(apis.Find)
            .OfType<ApiResource>()
            .Where(api => !request.Scope.Values.Any(api.HasScope) && api != apis.UserInfo)
            .Select(api => Html.Of($"<li>Use {api.Name} <code>({api.Identifier})</code></li>\n")));
        var staysSignedInItem = staysSignedIn && !request.Scope.Contains(ScopeSet.OfflineAccess) && scope.Values.Count == request.Scope.Values.Count
            ? Html.Of($"<li>{options.Scopes.GetValueOrDefault(ScopeSet.OfflineAccess, "Stay signed in")}</li>\n")
            : Html.Empty;
        var sessionNote = staysSignedIn ? Html.Empty : Html.Of(
            $"<p class=\"lead\" id=\"session-note\">It will not stay signed in: its access ends within {Math.Max(1, (int)Math.Ceiling(options.AccessTokenLifetime.TotalMinutes))} minute(s), after which it needs you to sign in again.</p>\n");

        // A client known by its metadata document is only what that site says it is: the page names the site, and
        // warns when every redirect goes to this computer, where any local program could be listening
        // (draft-ietf-oauth-client-id-metadata-document, security considerations).
        // A client that registered itself (RFC 7591) is marked as such, so its name alone cannot pass it off as an app
        // the operator registered (RFC 7591 §5).
        var site = request.Client.MetadataDocument is { } document
            ? Html.Of($"<p class=\"lead\" id=\"client-site\">{client} is described by <strong>{document.Host}</strong>; this server knows nothing more about it.</p>\n")
            : request.Client.IsSelfRegistered
                ? Html.Of($"<p class=\"lead\" id=\"client-self-registered\">{client} registered itself with this server; this server knows nothing more about it than its name and where it sends you back.</p>\n")
                : Html.Empty;
        var localOnly = request.Client.MetadataDocument is not null && request.Client.RedirectUris.All(IsThisComputer)
            ? Html.Of($"<p class=\"error\" role=\"note\" id=\"localhost-warning\">It sends you back to this computer only (localhost). Allow it only if you started {client} yourself, just now.</p>\n")
            : Html.Empty;
        // Signed in already: the page is the consent alone, and Allow takes the focus.
        var credentials = session is not null
            ? Html.Of($"""
                <p id="signed-in-as">Signed in as <strong>{session.Username}</strong>.</p>

                """)
            : Html.Of($"""
                <label for="username">Username</label>
                <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required value="{username}"{failed}{(focusUsername ? Autofocus : Html.Empty)}>
                <label for="password">Password</label>
                <input type="password" id="password" name="password" autocomplete="current-password" maxlength="256" required{failed}{(focusUsername ? Html.Empty : Autofocus)}>

                """);
        var heading = session is not null ? Html.Of($"Allow {client} to use your account?") : Html.Of($"Sign in to continue to {client}");
        var passwordForm = session is not null || options.LocalAccounts.Enabled;
        var buttons = Html.Join(providers.Select((p, i) => Html.Of(
            $"<button type=\"submit\" name=\"{InteractionForm.ProviderField}\" value=\"{p.Name}\" class=\"provider\"{(i == 0 && !passwordForm ? Autofocus : Html.Empty)}>Sign in with {p.DisplayName}</button>\n")));
        var passwordHeading = passwordForm ? Html.Of($"<h2 id=\"password-heading\">Or with a username and password</h2>\n") : Html.Empty;
        var choice = providers.Count == 0 ? Html.Empty : Html.Of($"""
            <form method="post" action="{action}" id="providers" aria-labelledby="providers-heading">
            {hiddenFields}<input type="hidden" name="{InteractionForm.CsrfField}" value="{csrfToken}">
            <h2 id="providers-heading">Sign in with the account you already have</h2>
            <div class="providers">
            {buttons}</div>
            </form>
            {passwordHeading}
            """);
        if (!passwordForm)
        {
            return PageLayout.Render($"Sign in - {client}", Html.Of($"""
                <div class="card">
                <h1>{heading}</h1>
                <p class="lead"><strong>{client}</strong> is asking for access to your account.</p>
                {site}{localOnly}{alert}{choice}</div>
                <footer>You will be sent back to <code>{new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority)}</code>.</footer>
                """));
        }

        // Allow comes first: pressing Enter in a field submits with the form's first button, and that must not be Deny.
        return PageLayout.Render(session is not null ? $"Allow - {client}" : $"Sign in - {client}", Html.Of($"""
            <div class="card">
            <h1>{heading}</h1>
            <p class="lead"><strong>{client}</strong> is asking for access to your account.</p>
            {site}{localOnly}{alert}{choice}<form method="post" action="{action}">
            {hiddenFields}<input type="hidden" name="{InteractionForm.CsrfField}" value="{csrfToken}">
            {credentials}<h2 class="lead" id="scopes-heading">If you allow it, {client} will be able to:</h2>
            <ul class="scopes" aria-labelledby="scopes-heading">
            {apisWithoutScope}{scopes}{staysSignedInItem}</ul>
            {sessionNote}<div class="actions">
            <button type="submit" name="decision" value="{ConsentStep.Allow}" class="allow"{(session is not null ? Autofocus : Html.Empty)}>Allow</button>
            <button type="submit" name="decision" value="{ConsentStep.Deny}" class="deny" formnovalidate>Deny</button>
            </div>
            </form>
            </div>
            <footer>You will be sent back to <code>{new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority)}</code>.</footer>
            """));
    }

    private static bool IsThisComputer(string redirectUri) => Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
