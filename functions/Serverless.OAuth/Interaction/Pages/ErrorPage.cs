using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>Shown when the server cannot send the user back to the client: the client or redirect URI is not verified.</summary>
public static class ErrorPage
{
    public static Html Render(OAuthError error) => PageLayout.Render("Sign-in error", Html.Of($"""
        <div class="card">
        <h1>This sign-in request cannot be completed</h1>
        <p class="error" role="alert">{error.Description}</p>
        <p class="lead">Error code: <code>{error.Error}</code>. Return to the application you came from and try again; if it keeps happening, tell its developers.</p>
        </div>
        """));
}
