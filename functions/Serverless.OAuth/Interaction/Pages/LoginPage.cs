using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// What the "how do you sign in" step needs from whoever shows it (an authorization, the account page, a device
/// verification): where its forms post (<see cref="Action"/>, path-absolute, with <see cref="Fields"/> sent back as
/// hidden fields beside the CSRF token), the words at the top, and where Cancel goes (<see cref="ReturnOrigin"/>; null:
/// no Cancel). A provider's button posts <see cref="FieldNames.Provider"/>; the password form posts
/// <c>username</c> and <c>password</c>; Cancel posts <c>decision=deny</c>.
/// </summary>
public sealed record SignInView(
    string Action,
    IReadOnlyList<(string Name, string Value)> Fields,
    string CsrfToken,
    string Title,
    string Heading,
    Html Lead,
    IReadOnlyList<UpstreamProvider> Providers,
    bool PasswordForm,
    string? ReturnOrigin)
{
    public string? Username { get; init; }

    public string? Problem { get; init; }
}

/// <summary>
/// The first step of the sign-in: how the user signs in. One button per upstream provider (a form of its own, so Enter
/// in the password field never picks one), then the username and password, only where local accounts are enabled. It
/// asks nothing about the app's access: that is the consent step (<see cref="ConsentPage"/>), which follows only when
/// something new must be allowed.
/// </summary>
public static class LoginPage
{
    private static readonly Html Autofocus = Html.Of($" autofocus");

    /// <summary>The sign-in step of an authorization: its forms post the request back to /authorize.</summary>
    public static SignInView ForAuthorization(
        AuthorizationRequest request, OAuthServerOptions options, string csrfToken, IReadOnlyList<UpstreamProvider> providers) =>
        new(
            AuthorizeAction(options),
            [.. request.FormFields()],
            csrfToken,
            $"Sign in - {request.Client.Name}",
            $"Sign in to continue to {request.Client.Name}",
            Html.Of($"<p class=\"lead\"><strong>{request.Client.Name}</strong> is asking for access to your account.</p>\n{ClientNotes(request)}"),
            providers,
            options.LocalAccounts.Enabled,
            new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority));

    /// <summary>Path-absolute: the page is also rendered at /signin/{provider}/callback, where "authorize" would resolve elsewhere.</summary>
    public static string AuthorizeAction(OAuthServerOptions options) => new Uri(options.Issuer).AbsolutePath.TrimEnd('/') + "/authorize";

    public static Html Render(SignInView view)
    {
        var hiddenFields = Html.Join(view.Fields.Select(field => Html.Of($"<input type=\"hidden\" name=\"{field.Name}\" value=\"{field.Value}\">\n")));
        var csrf = Html.Of($"<input type=\"hidden\" name=\"{FieldNames.Csrf}\" value=\"{view.CsrfToken}\">\n");
        var alert = view.Problem is null ? Html.Empty : Html.Of($"<p class=\"error\" role=\"alert\" id=\"login-error\">{view.Problem}</p>\n");

        // After a failed attempt the username is kept and the password is where the user continues; both fields are
        // marked invalid and point at the message, so a screen reader reads why.
        var failed = view.Problem is null ? Html.Empty : Html.Of($" aria-invalid=\"true\" aria-describedby=\"login-error\"");
        var focusUsername = view.Problem is null || string.IsNullOrEmpty(view.Username);
        var buttons = Html.Join(view.Providers.Select((p, i) => Html.Of(
            $"<button type=\"submit\" name=\"{FieldNames.Provider}\" value=\"{p.Name}\" class=\"provider\"{(i == 0 && !view.PasswordForm ? Autofocus : Html.Empty)}>Sign in with {p.DisplayName}</button>\n")));
        var choice = view.Providers.Count == 0 ? Html.Empty : Html.Of($"""
            <form method="post" action="{view.Action}" id="providers" aria-labelledby="providers-heading">
            {hiddenFields}{csrf}<h2 id="providers-heading">Sign in with the account you already have</h2>
            <div class="providers">
            {buttons}</div>
            </form>

            """);

        // Sign in comes first: pressing Enter in a field submits with the form's first button, and that must not be Cancel.
        var cancel = view.ReturnOrigin is null
            ? Html.Empty
            : Html.Of($"<button type=\"submit\" name=\"decision\" value=\"{FieldNames.Deny}\" class=\"deny\" formnovalidate>Cancel</button>\n");
        var password = !view.PasswordForm ? Html.Empty : Html.Of($"""
            {(view.Providers.Count == 0 ? Html.Empty : Html.Of($"<h2 id=\"password-heading\">Or with a username and password</h2>\n"))}<form method="post" action="{view.Action}" id="password-form">
            {hiddenFields}{csrf}<label for="username">Username</label>
            <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required value="{view.Username}"{failed}{(focusUsername ? Autofocus : Html.Empty)}>
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" maxlength="256" required{failed}{(focusUsername ? Html.Empty : Autofocus)}>
            <div class="actions">
            <button type="submit" class="allow">Sign in</button>
            {cancel}</div>
            </form>

            """);

        // Without the password form, Cancel is a form of its own under the buttons.
        var cancelAlone = view.PasswordForm || view.ReturnOrigin is null ? Html.Empty : Html.Of($"""
            <form method="post" action="{view.Action}">
            {hiddenFields}{csrf}<div class="actions">
            {cancel}</div>
            </form>

            """);
        var footer = view.ReturnOrigin is null ? Html.Empty : Html.Of($"<footer>You will be sent back to <code>{view.ReturnOrigin}</code>.</footer>\n");
        return PageLayout.Render(view.Title, Html.Of($"""
            <div class="card">
            <h1>{view.Heading}</h1>
            {view.Lead}{alert}{choice}{password}{cancelAlone}</div>
            {footer}
            """));
    }

    /// <summary>
    /// A client known by its metadata document is only what that site says it is: the page names the site, and warns
    /// when every redirect goes to this computer, where any local program could be listening
    /// (draft-ietf-oauth-client-id-metadata-document, security considerations). A client that registered itself
    /// (RFC 7591) is marked as such, so its name alone cannot pass it off as an app the operator registered (RFC 7591 §5).
    /// </summary>
    public static Html ClientNotes(AuthorizationRequest request)
    {
        var client = request.Client.Name;
        var site = request.Client.MetadataDocument is { } document
            ? Html.Of($"<p class=\"lead\" id=\"client-site\">{client} is described by <strong>{document.Host}</strong>; this server knows nothing more about it.</p>\n")
            : request.Client.IsSelfRegistered
                ? Html.Of($"<p class=\"lead\" id=\"client-self-registered\">{client} registered itself with this server; this server knows nothing more about it than its name and where it sends you back.</p>\n")
                : Html.Empty;
        var localOnly = request.Client.MetadataDocument is not null && request.Client.RedirectUris.All(IsThisComputer)
            ? Html.Of($"<p class=\"error\" role=\"note\" id=\"localhost-warning\">It sends you back to this computer only (localhost). Allow it only if you started {client} yourself, just now.</p>\n")
            : Html.Empty;
        return Html.Join([site, localOnly]);
    }

    private static bool IsThisComputer(string redirectUri) => Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
