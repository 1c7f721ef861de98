using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>What a scope lets an app do, in the words the pages show: its API's for an API scope, the server's own otherwise.</summary>
public static class ScopeWords
{
    public static string Describe(string scope, ApiCatalog apis, OAuthServerOptions options) =>
        apis.OwnerOf(scope)?.Describe(scope) ?? options.DescribeServerScope(scope) ?? scope;

    /// <summary>The consent pages' list items: each scope in words, its name, and the API it opens when it has one.</summary>
    public static Html ListItems(IEnumerable<string> scopes, ApiCatalog apis, OAuthServerOptions options) =>
        Html.Join(scopes.Select(name => apis.OwnerOf(name) is { } api
            ? Html.Of($"<li>{Describe(name, apis, options)} <code>({name})</code> <span class=\"api\">in {api.Name}</span></li>\n")
            : Html.Of($"<li>{Describe(name, apis, options)} <code>({name})</code></li>\n")));
}
