using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Identity.Users;

namespace Serverless.Admin;

/// <summary>
/// The "providers" commands: the upstream identity providers as configured (OAuth:Upstream:Providers; never a
/// secret), with the callback each needs registered at the provider, and the invitation of a user who signs in with
/// one (a link from the provider's stable key to an account), for providers whose sign-up is InvitedOnly.
/// </summary>
internal static class ProviderCommands
{
    public static Command Create(AdminSession session)
    {
        var list = new Command("list", "Lists the configured upstream identity providers and the redirect URI to register at each.");
        list.SetAction(_ => session.WithServicesAsync(async services =>
        {
            var providers = services.GetRequiredService<UpstreamProviders>().All;
            var challenge = services.GetRequiredService<UpstreamChallenge>();
            var local = services.GetRequiredService<OAuthServerOptions>().LocalAccounts.Enabled;
            await session.Output.WriteLineAsync($"Local accounts (username and password): {(local ? "enabled" : "disabled")}");
            if (providers.Count == 0)
            {
                await session.Output.WriteLineAsync("No upstream providers are configured (OAuth:Upstream:Providers).");
            }

            foreach (var provider in providers)
            {
                await session.Output.WriteLineAsync(Describe(provider, challenge.RedirectUri(provider.Name)));
            }

            return AdminCommandLine.Done;
        }));

        var provider = new Option<string>("--provider") { Description = "The provider's name (as in OAuth:Upstream:Providers)." };
        var key = new Option<string>("--key") { Description = "The user's stable key at the provider: Entra '{tid}/{oid}'; any other '{iss}|{sub}'." };
        var username = new Option<string>("--username") { Description = "The local account the identity signs in as (users add creates one)." };
        var link = new Command("link", "Links an upstream identity to an existing account: an invitation, where sign-up is InvitedOnly.") { provider, key, username };
        link.SetAction(parsed => parsed.GetValue(provider) is { } name && parsed.GetValue(key) is { } stableKey && parsed.GetValue(username) is { } user
            ? session.WithServicesAsync(services => LinkAsync(session, services, name, stableKey, user))
            : session.UsageErrorAsync("--provider, --key and --username are required."));

        return new Command("providers", "Lists the upstream identity providers and links their users to accounts.") { list, link };
    }

    private static string Describe(UpstreamProvider provider, string redirectUri)
    {
        var options = provider.Options;
        var where = options.Kind == UpstreamKind.Entra
            ? $"tenant {options.Tenant}" + (options.IsAnyOrganization && options.AllowedTenants.Any(t => t.Length > 0) ? $" (allowed: {string.Join(", ", options.AllowedTenants)})" : "")
            : $"issuer {options.Issuer}";
        var credential = !string.IsNullOrEmpty(options.ManagedIdentityClientId) && options.Kind == UpstreamKind.Entra
            ? $"managed identity {options.ManagedIdentityClientId} (federated credential)"
            : "client secret";
        var signUp = options.SignUp == UpstreamSignUp.AllowedEmailDomains
            ? $"{options.SignUp} ({string.Join(", ", options.AllowedEmailDomains)})"
            : options.SignUp.ToString();
        return $"{provider.Name}\t{options.Kind}\t\"{provider.DisplayName}\"\t{where}\tclient {options.ClientId}\t{credential}\tsign-up {signUp}\tredirect URI {redirectUri}";
    }

    private static async Task<int> LinkAsync(AdminSession session, IServiceProvider services, string name, string stableKey, string username)
    {
        if (services.GetRequiredService<UpstreamProviders>().Find(name) is null)
        {
            await session.Error.WriteLineAsync($"No provider '{name}' is configured.");
            return AdminCommandLine.Failed;
        }

        if (await services.GetRequiredService<IUserStore>().FindAsync(username) is not { } user)
        {
            await session.Error.WriteLineAsync($"No user '{username}'.");
            return AdminCommandLine.Failed;
        }

        // Entra's key is compared in lower case, as the sign-in writes it.
        var key = services.GetRequiredService<UpstreamProviders>().Find(name)!.Options.Kind == UpstreamKind.Entra ? stableKey.ToLowerInvariant() : stableKey;
        if (!await services.GetRequiredService<UpstreamLinkStore>().AddAsync(name, key, user.Subject, user.Username, CancellationToken.None))
        {
            await session.Error.WriteLineAsync($"That identity of '{name}' is already linked to an account.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"Linked '{key}' of '{name}' to user '{user.Username}' (sub {user.Subject}).");
        return AdminCommandLine.Done;
    }
}
