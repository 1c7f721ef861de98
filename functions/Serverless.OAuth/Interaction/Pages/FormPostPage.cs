namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// The authorization response as an auto-submitting form (OAuth 2.0 Form Post Response Mode §2): hidden fields posted
/// to the redirect URI by a script the Content-Security-Policy allows by this page's nonce, and a button for browsers
/// without script. Every value is encoded by <see cref="Html"/>.
/// </summary>
public static class FormPostPage
{
    /// <summary>The page's policy: its own script (by nonce) and stylesheet, and a form to the client's origin only.</summary>
    public static string ContentSecurityPolicy(string scriptNonce, string formTarget) =>
        $"default-src 'none'; script-src 'nonce-{scriptNonce}'; style-src {PageLayout.StyleHash}; form-action {formTarget}; frame-ancestors 'none'; base-uri 'none'";

    public static Html Render(string redirectUri, IEnumerable<(string Name, string Value)> fields, string scriptNonce)
    {
        var hiddenFields = Html.Join(fields.Select(field => Html.Of($"<input type=\"hidden\" name=\"{field.Name}\" value=\"{field.Value}\">\n")));
        return PageLayout.Render("Returning to the application", Html.Of($"""
            <div class="card">
            <form method="post" action="{redirectUri}" id="authorization-response">
            {hiddenFields}<noscript>
            <h1>Return to the application</h1>
            <p class="lead">Your browser does not run scripts, so press the button to continue.</p>
            <div class="actions"><button type="submit" class="allow">Continue</button></div>
            </noscript>
            </form>
            </div>
            <script nonce="{scriptNonce}">document.getElementById("authorization-response").submit();</script>
            """));
    }
}
