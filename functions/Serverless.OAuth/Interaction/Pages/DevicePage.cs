using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// The device verification page (RFC 8628 §3.3) in its three steps, whose forms post back to /device with the CSRF
/// token and the user code: enter the code (pre-filled from verification_uri_complete, still confirmed by the user,
/// §3.3.1), sign in (the same step as /authorize: an upstream provider's button, or the password), then the consent,
/// which names the device's client and warns that only someone who started this on their own device should continue
/// (§5.4 remote phishing). Every value is encoded by <see cref="Html"/>.
/// </summary>
public static class DevicePage
{
    public static string Action(OAuthServerOptions options) => new Uri(options.Issuer).AbsolutePath.TrimEnd('/') + "/device";

    public static Html EnterCode(OAuthServerOptions options, string csrfToken, string? userCode, string? problem) => PageLayout.Render("Connect a device", Html.Of($"""
        <div class="card">
        <h1>Connect a device</h1>
        <p class="lead" id="code-help">Enter the code shown on your device. It looks like <code>BCDF-GHJK</code>.</p>
        {Alert(problem)}<form method="post" action="{Action(options)}">
        <input type="hidden" name="{FieldNames.Csrf}" value="{csrfToken}">
        <label for="user_code">Code</label>
        <input type="text" id="user_code" name="{FieldNames.UserCode}" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" maxlength="32" required value="{userCode}" aria-describedby="code-help"{(problem is null ? Html.Empty : Html.Of($" aria-invalid=\"true\""))} autofocus>
        <div class="actions">
        <button type="submit" class="allow">Continue</button>
        </div>
        </form>
        </div>
        """));

    /// <summary>
    /// The sign-in step, the same as an authorization's (<see cref="LoginPage"/>: a button per upstream provider, and the
    /// password where local accounts are enabled), its forms posting the user code back here.
    /// </summary>
    public static SignInView SignIn(OAuthServerOptions options, IReadOnlyList<UpstreamProvider> providers, string csrfToken, string userCode, string clientName) => new(
        Action(options),
        [(FieldNames.UserCode, userCode)],
        csrfToken,
        $"Sign in - {clientName}",
        $"Sign in to connect {clientName}",
        Html.Of($"<p class=\"lead\">Code <strong id=\"device-code-shown\">{userCode}</strong></p>\n"),
        providers,
        options.LocalAccounts.Enabled,
        ReturnOrigin: null);

    public static Html Consent(
        OAuthServerOptions options, ApiCatalog apis, string csrfToken, string userCode, string clientName, string username, ScopeSet scope)
    {
        var scopes = ScopeWords.ListItems(scope.Values, apis, options);

        // Allow comes first (Enter submits with the first button); the warning is read before it (RFC 8628 §5.4).
        return PageLayout.Render($"Allow - {clientName}", Html.Of($"""
            <div class="card">
            <h1>Allow {clientName} on your device to use your account?</h1>
            <p id="signed-in-as">Signed in as <strong>{username}</strong>.</p>
            <p class="error" role="note" id="device-warning">Continue only if you started this yourself, on a device in front of you, and it shows the code <strong>{userCode}</strong>. If someone sent you this code or link, choose Deny.</p>
            <form method="post" action="{Action(options)}">
            <input type="hidden" name="{FieldNames.Csrf}" value="{csrfToken}">
            <input type="hidden" name="{FieldNames.UserCode}" value="{userCode}">
            <h2 class="lead" id="scopes-heading">If you allow it, {clientName} will be able to:</h2>
            <ul class="scopes" aria-labelledby="scopes-heading">
            {scopes}</ul>
            <div class="actions">
            <button type="submit" name="decision" value="{FieldNames.Allow}" class="allow" autofocus>Allow</button>
            <button type="submit" name="decision" value="{FieldNames.Deny}" class="deny">Deny</button>
            </div>
            </form>
            </div>
            """));
    }

    public static Html Done(string clientName, bool allowed) => NoticePage.Render(
        allowed ? "Device connected" : "Device not connected",
        allowed ? $"{clientName} is signed in on your device. You can close this window and return to your device." : $"{clientName} was not allowed. You can close this window.");

    private static Html Alert(string? problem) =>
        problem is null ? Html.Empty : Html.Of($"<p class=\"error\" role=\"alert\" id=\"code-error\">{problem}</p>\n");
}
