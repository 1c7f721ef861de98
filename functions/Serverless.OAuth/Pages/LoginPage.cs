using Serverless.OAuth.Apis;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Pages;

/// <summary>
/// The login and consent page: who is asking, for what, in words (each API scope with the API it opens, each API asked
/// for without a scope by name); username, password, Allow or Deny.
/// </summary>
public static class LoginPage
{
    private static readonly Html Autofocus = Html.Of($" autofocus");

    public static Html Render(AuthorizationRequest request, OAuthServerOptions options, ApiCatalog apis, string csrfToken, string? username, string? error)
    {
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
        var scopes = Html.Join(request.Scope.Values
            .Where(scope => scope != ScopeSet.OfflineAccess || staysSignedIn)
            .Select(scope => apis.OwnerOf(scope) is { } api
                ? Html.Of($"<li>{api.Describe(scope) ?? scope} <code>({scope})</code> <span class=\"api\">in {api.Name}</span></li>\n")
                : Html.Of($"<li>{options.DescribeServerScope(scope) ?? scope} <code>({scope})</code></li>\n")));
        var apisWithoutScope = Html.Join(request.Resources
            .Select(apis.Find)
            .OfType<ApiResource>()
            .Where(api => !request.Scope.Values.Any(api.HasScope) && api != apis.UserInfo)
            .Select(api => Html.Of($"<li>Use {api.Name} <code>({api.Identifier})</code></li>\n")));
        var staysSignedInItem = staysSignedIn && !request.Scope.Contains(ScopeSet.OfflineAccess)
            ? Html.Of($"<li>{options.Scopes.GetValueOrDefault(ScopeSet.OfflineAccess, "Stay signed in")}</li>\n")
            : Html.Empty;
        var sessionNote = staysSignedIn ? Html.Empty : Html.Of(
            $"<p class=\"lead\" id=\"session-note\">It will not stay signed in: its access ends within {Math.Max(1, (int)Math.Ceiling(options.AccessTokenLifetime.TotalMinutes))} minute(s), after which it needs you to sign in again.</p>\n");

        // A client known by its metadata document is only what that site says it is: the page names the site, and
        // warns when every redirect goes to this computer, where any local program could be listening
        // (draft-ietf-oauth-client-id-metadata-document, security considerations).
        var site = request.Client.MetadataDocument is { } document
            ? Html.Of($"<p class=\"lead\" id=\"client-site\">{client} is described by <strong>{document.Host}</strong>; this server knows nothing more about it.</p>\n")
            : Html.Empty;
        var localOnly = request.Client.MetadataDocument is not null && request.Client.RedirectUris.All(IsThisComputer)
            ? Html.Of($"<p class=\"error\" role=\"note\" id=\"localhost-warning\">It sends you back to this computer only (localhost). Allow it only if you started {client} yourself, just now.</p>\n")
            : Html.Empty;

        // Allow comes first: pressing Enter in a field submits with the form's first button, and that must not be Deny.
        return PageLayout.Render($"Sign in - {client}", Html.Of($"""
            <div class="card">
            <h1>Sign in to continue to {client}</h1>
            <p class="lead"><strong>{client}</strong> is asking for access to your account.</p>
            {site}{localOnly}{alert}<form method="post" action="authorize">
            {hiddenFields}<input type="hidden" name="{InteractionForm.CsrfField}" value="{csrfToken}">
            <label for="username">Username</label>
            <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required value="{username}"{failed}{(focusUsername ? Autofocus : Html.Empty)}>
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" maxlength="256" required{failed}{(focusUsername ? Html.Empty : Autofocus)}>
            <h2 class="lead" id="scopes-heading">If you allow it, {client} will be able to:</h2>
            <ul class="scopes" aria-labelledby="scopes-heading">
            {apisWithoutScope}{scopes}{staysSignedInItem}</ul>
            {sessionNote}<div class="actions">
            <button type="submit" name="decision" value="{ConsentStep.Allow}" class="allow">Allow</button>
            <button type="submit" name="decision" value="{ConsentStep.Deny}" class="deny" formnovalidate>Deny</button>
            </div>
            </form>
            </div>
            <footer>You will be sent back to <code>{new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority)}</code>.</footer>
            """));
    }

    private static bool IsThisComputer(string redirectUri) => Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
