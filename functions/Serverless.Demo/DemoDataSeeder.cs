using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Identity.Users;
using Serverless.OAuth.Protocol;

namespace Serverless.Demo;

/// <summary>
/// In Development only, in either host (the local host, or the Functions app under func start): registers the demo
/// client (a public client with PKCE, redirecting to /demo/callback) and the demo user, so that a fresh clone can walk
/// through the flow at once. Their credentials are in the README, not the log.
/// </summary>
public sealed class DemoDataSeeder(
    IClientStore clients, IUserStore users, OAuthServerOptions options, IHostEnvironment environment, ILogger<DemoDataSeeder> logger) : IHostedService
{
    public const string ClientId = "demo";
    public const string Username = "demo";
    public const string Password = "demo-password";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.SeedDemoData || !environment.IsDevelopment())
        {
            return;
        }

        try
        {
            var issuer = options.Issuer.TrimEnd('/');
            var addedClient = await clients.AddAsync(
                new OAuthClient
                {
                    ClientId = ClientId,
                    Name = "Demo client",
                    Type = ClientType.Public,
                    RedirectUris = [issuer + "/demo/callback"],
                    AllowedScopes = [.. ApiSeed.DemoResource(options).Api.Scopes.Select(s => s.Name), .. options.ServerScopes],
                    AllowedGrantTypes = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
                },
                cancellationToken);
            var addedUser = await users.AddAsync(
                new OAuthUser(Username, Guid.NewGuid().ToString(), UserStore.HashPassword(Password), "Demo User"),
                cancellationToken);
            logger.LogInformation(
                "Development demo data: client '{ClientId}' {ClientState}, user '{Username}' {UserState} (password in the README)",
                ClientId, addedClient ? "registered" : "already present", Username, addedUser ? "added" : "already present");
        }
        catch (Exception e) when (e is Serverless.OAuth.Protocol.DependencyUnavailableException or Azure.RequestFailedException)
        {
            logger.LogWarning("Could not seed the demo data ({ExceptionType}): is Azurite running?", e.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
