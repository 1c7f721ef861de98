using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// The second step, shown only when something new must be allowed: who is asking, for what, in words (each API scope
/// with the API it opens, each API asked for without a scope by name); Allow or Deny. <paramref name="scope"/> is what
/// the user is asked about: the whole request, or only what is new since the consent they gave this client before.
/// The user is signed in already (<paramref name="session"/>); the form posts the request back to /authorize with the
/// decision.
/// </summary>
public static class ConsentPage
{
    private static readonly Html Autofocus = Html.Of($" autofocus");

    public static Html Render(AuthorizationRequest request, OAuthServerOptions options, ApiCatalog apis, string csrfToken, SignInSession session, ScopeSet scope)
    {
        var client = request.Client.Name;
        var hiddenFields = Html.Join(request.FormFields().Select(field => Html.Of($"<input type=\"hidden\" name=\"{field.Name}\" value=\"{field.Value}\">\n")));

        // Whether the app stays signed in follows from the client and the scope (OAuthClient.IssuesRefreshToken), and
        // the page says which: "offline_access" is listed only when it has that effect, or added when the client has
        // opted out of needing it, and otherwise the page says the access ends.
        var staysSignedIn = request.Client.IssuesRefreshToken(request.Scope);
        var scopes = ScopeWords.ListItems(scope.Values.Where(name => name != ScopeSet.OfflineAccess || staysSignedIn), apis, options);
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

        // Allow comes first and takes the focus: Enter must never mean Deny.
        return PageLayout.Render($"Allow - {client}", Html.Of($"""
            <div class="card">
            <h1>Allow {client} to use your account?</h1>
            <p class="lead"><strong>{client}</strong> is asking for access to your account.</p>
            {LoginPage.ClientNotes(request)}<form method="post" action="{LoginPage.AuthorizeAction(options)}">
            {hiddenFields}<input type="hidden" name="{FieldNames.Csrf}" value="{csrfToken}">
            <p id="signed-in-as">Signed in as <strong>{session.Username}</strong>.</p>
            <h2 class="lead" id="scopes-heading">If you allow it, {client} will be able to:</h2>
            <ul class="scopes" aria-labelledby="scopes-heading">
            {apisWithoutScope}{scopes}{staysSignedInItem}</ul>
            {sessionNote}<div class="actions">
            <button type="submit" name="decision" value="{FieldNames.Allow}" class="allow"{Autofocus}>Allow</button>
            <button type="submit" name="decision" value="{FieldNames.Deny}" class="deny" formnovalidate>Deny</button>
            </div>
            </form>
            </div>
            <footer>You will be sent back to <code>{new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority)}</code>.</footer>
            """));
    }
}
