namespace Serverless.OAuth.Protocol;

/// <summary>
/// How the authorization response reaches the client (OAuth 2.0 Multiple Response Type Encoding Practices §2.1): in
/// the redirect URI's query (the code flow's default), or posted by an auto-submitting form (OAuth 2.0 Form Post
/// Response Mode), which keeps the code out of URLs, browser history and Referer headers.
/// </summary>
public enum ResponseMode
{
    Query,
    FormPost,
}

public static class ResponseModes
{
    public const string Query = "query";
    public const string FormPost = "form_post";

    public static readonly IReadOnlyList<string> Supported = [Query, FormPost];

    public static string Name(ResponseMode mode) => mode == ResponseMode.FormPost ? FormPost : Query;
}
