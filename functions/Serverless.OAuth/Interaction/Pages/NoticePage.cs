namespace Serverless.OAuth.Interaction.Pages;

/// <summary>A page that only tells the user where they stand (signed out, not signed in): a heading and a status message.</summary>
public static class NoticePage
{
    public static Html Render(string heading, string message) => PageLayout.Render(heading, Html.Of($"""
        <div class="card">
        <h1>{heading}</h1>
        <p class="lead" role="status" id="notice">{message}</p>
        </div>
        """));
}
