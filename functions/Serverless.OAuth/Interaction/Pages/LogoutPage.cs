using Serverless.OAuth.Identity.Sessions;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// The sign-out question, asked when a logout request does not prove which user it is for (no valid id_token_hint
/// naming the signed-in user): a sign-out a third party could trigger with a link must be the user's own decision.
/// </summary>
public static class LogoutPage
{
    public const string SignOut = "signout";
    public const string StaySignedIn = "stay";

    public static Html Render(SignInSession session, string? clientName, IEnumerable<(string Name, string Value)> fields, string csrfToken)
    {
        var hidden = Html.Join(fields.Select(field => Html.Of($"<input type=\"hidden\" name=\"{field.Name}\" value=\"{field.Value}\">\n")));
        var from = clientName is null ? Html.Empty : Html.Of($"<p class=\"lead\">{clientName} asks to sign you out.</p>\n");
        return PageLayout.Render("Sign out", Html.Of($"""
            <div class="card">
            <h1>Sign out?</h1>
            <p class="lead" id="signed-in-as">You are signed in as <strong>{session.Username}</strong>.</p>
            {from}<form method="post" action="endsession">
            {hidden}<input type="hidden" name="{FieldNames.Csrf}" value="{csrfToken}">
            <div class="actions">
            <button type="submit" name="action" value="{SignOut}" class="allow" autofocus>Sign out</button>
            <button type="submit" name="action" value="{StaySignedIn}" class="deny">Stay signed in</button>
            </div>
            </form>
            </div>
            """));
    }
}
