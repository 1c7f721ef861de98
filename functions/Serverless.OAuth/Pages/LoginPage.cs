using System.Text;
using Serverless.OAuth.Options;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Pages;

/// <summary>The login and consent page: who is asking, for what, in words; username, password, Allow or Deny.</summary>
public static class LoginPage
{
    public static string Render(AuthorizationRequest request, OAuthServerOptions options, string csrfToken, string? username, string? error)
    {
        var e = PageLayout.Encode;
        var body = new StringBuilder(2048);
        body.Append("<div class=\"card\">\n");
        body.Append("<h1>Sign in to continue to ").Append(e(request.Client.Name)).Append("</h1>\n");
        body.Append("<p class=\"lead\"><strong>").Append(e(request.Client.Name)).Append("</strong> is asking for access to your account.</p>\n");
        if (error is not null)
        {
            body.Append("<p class=\"error\" role=\"alert\" id=\"login-error\">").Append(e(error)).Append("</p>\n");
        }

        body.Append("<form method=\"post\" action=\"authorize\">\n");
        foreach (var (name, value) in request.FormFields())
        {
            body.Append("<input type=\"hidden\" name=\"").Append(e(name)).Append("\" value=\"").Append(e(value)).Append("\">\n");
        }

        body.Append("<input type=\"hidden\" name=\"").Append(InteractionForm.CsrfField).Append("\" value=\"").Append(e(csrfToken)).Append("\">\n");
        // After a failed attempt the username is kept and the password is where the user continues; both fields are
        // marked invalid and point at the message, so a screen reader reads why.
        var failed = error is null ? "" : " aria-invalid=\"true\" aria-describedby=\"login-error\"";
        var focusUsername = error is null || string.IsNullOrEmpty(username);
        body.Append("<label for=\"username\">Username</label>\n");
        body.Append("<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"64\" required value=\"")
            .Append(e(username)).Append('"').Append(failed).Append(focusUsername ? " autofocus>\n" : ">\n");
        body.Append("<label for=\"password\">Password</label>\n");
        body.Append("<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" maxlength=\"256\" required")
            .Append(failed).Append(focusUsername ? ">\n" : " autofocus>\n");

        body.Append("<h2 class=\"lead\" id=\"scopes-heading\">If you allow it, ").Append(e(request.Client.Name)).Append(" will be able to:</h2>\n");
        body.Append("<ul class=\"scopes\" aria-labelledby=\"scopes-heading\">\n");
        // Whether the app stays signed in follows from the client and the scope (OAuthClient.IssuesRefreshToken), and
        // the page says which: "offline_access" is listed only when it has that effect, or added when the client has
        // opted out of needing it, and otherwise the page says the access ends.
        var staysSignedIn = request.Client.IssuesRefreshToken(request.Scope);
        foreach (var scope in request.Scope.Values.Where(s => s != ScopeSet.OfflineAccess || staysSignedIn))
        {
            var words = options.Scopes.GetValueOrDefault(scope, scope);
            body.Append("<li>").Append(e(words)).Append(" <code>(").Append(e(scope)).Append(")</code></li>\n");
        }

        if (staysSignedIn && !request.Scope.Contains(ScopeSet.OfflineAccess))
        {
            body.Append("<li>").Append(e(options.Scopes.GetValueOrDefault(ScopeSet.OfflineAccess, "Stay signed in"))).Append("</li>\n");
        }

        body.Append("</ul>\n");
        if (!staysSignedIn)
        {
            body.Append("<p class=\"lead\" id=\"session-note\">It will not stay signed in: its access ends within ")
                .Append(Math.Max(1, (int)Math.Ceiling(options.AccessTokenLifetime.TotalMinutes)))
                .Append(" minute(s), after which it needs you to sign in again.</p>\n");
        }

        body.Append("<div class=\"actions\">\n");
        // Allow comes first: pressing Enter in a field submits with the form's first button, and that must not be Deny.
        body.Append("<button type=\"submit\" name=\"decision\" value=\"allow\" class=\"allow\">Allow</button>\n");
        body.Append("<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"deny\" formnovalidate>Deny</button>\n");
        body.Append("</div>\n</form>\n</div>\n");
        body.Append("<footer>You will be sent back to <code>").Append(e(new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority))).Append("</code>.</footer>");
        return PageLayout.Render($"Sign in - {request.Client.Name}", body.ToString());
    }
}
