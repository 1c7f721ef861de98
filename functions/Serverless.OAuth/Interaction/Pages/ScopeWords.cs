using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>What a scope lets an app do, in the words the pages show: its API's for an API scope, the server's own otherwise.</summary>
public static class ScopeWords
{
    public static string Describe(string scope, ApiCatalog apis, OAuthServerOptions options) =>
        apis.OwnerOf(scope)?.Describe(scope) ?? options.DescribeServerScope(scope) ?? scope;
}
