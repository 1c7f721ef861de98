using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.Admin;

/// <summary>The "api" commands: the API registry (resource servers, their scopes, token life and who may use them).</summary>
internal static class ApiCommands
{
    public static Command Create(AdminSession session)
    {
        var add = new Command("add", "Registers an API: its identifier becomes the aud of its access tokens.");
        var addOptions = new ApiOptions(add, required: true);
        add.SetAction(parsed => addOptions.Read(parsed, existing: null) is { } api
            ? session.WithServicesAsync(services => SaveAsync(session, services, api, isNew: true))
            : session.UsageErrorAsync("--identifier and --name are required."));

        var update = new Command("update", "Changes an API's settings; what is not given stays as it is (a list given replaces the list).");
        var updateOptions = new ApiOptions(update, required: false);
        update.SetAction(parsed => parsed.GetValue(updateOptions.Identifier) is { } identifier
            ? session.WithServicesAsync(async services =>
            {
                var existing = (await services.GetRequiredService<IApiStore>().GetCatalogAsync()).Find(identifier);
                if (existing is null)
                {
                    await session.Error.WriteLineAsync($"No API '{identifier}' is registered.");
                    return AdminCommandLine.Failed;
                }

                // Any equivalent spelling finds the API (RFC 3986 §6.2.2-6.2.3); its registered identifier stays.
                return await SaveAsync(session, services, updateOptions.Read(parsed, existing)! with { Identifier = existing.Identifier }, isNew: false);
            })
            : session.UsageErrorAsync("--identifier is required."));

        var list = new Command("list", "Lists the registered APIs and their settings.");
        list.SetAction(_ => session.WithServicesAsync(async services =>
        {
            var apis = (await services.GetRequiredService<IApiStore>().GetCatalogAsync()).All;
            if (apis.Count == 0)
            {
                await session.Output.WriteLineAsync("No APIs are registered.");
            }

            foreach (var api in apis.OrderBy(a => a.Identifier, StringComparer.Ordinal))
            {
                await session.Output.WriteLineAsync(Describe(api));
            }

            return AdminCommandLine.Done;
        }));

        var removeIdentifier = new Option<string>("--identifier") { Description = "The identifier of the API to remove." };
        var remove = new Command("remove", "Removes an API; tokens already issued for it stay valid until they expire.") { removeIdentifier };
        remove.SetAction(parsed => parsed.GetValue(removeIdentifier) is { } identifier
            ? session.WithServicesAsync(async services =>
            {
                var apis = services.GetRequiredService<IApiStore>();
                if (!await apis.RemoveAsync((await apis.GetCatalogAsync()).Find(identifier)?.Identifier ?? identifier))
                {
                    await session.Error.WriteLineAsync($"No API '{identifier}' is registered.");
                    return AdminCommandLine.Failed;
                }

                await session.Output.WriteLineAsync($"Removed API '{identifier}'. Running instances forget it within their client cache lifetime.");
                return AdminCommandLine.Done;
            })
            : session.UsageErrorAsync("--identifier is required."));

        return new Command("api", "Registers, lists, updates and removes APIs (resource servers).") { add, list, update, remove };
    }

    private static async Task<int> SaveAsync(AdminSession session, IServiceProvider services, ApiResource api, bool isNew)
    {
        var store = services.GetRequiredService<IApiStore>();
        var problems = ApiRegistration.Problems(api, (await store.GetCatalogAsync()).All, services.GetRequiredService<OAuthServerOptions>()).ToList();
        // An introspector is the API's own client entry: it must exist and be able to authenticate (RFC 7662 §2.1).
        foreach (var clientId in api.Introspectors)
        {
            if (await services.GetRequiredService<IClientStore>().FindAsync(clientId) is not { IsPublic: false })
            {
                problems.Add($"--introspector '{clientId}' must be a registered confidential client.");
            }
        }

        if (problems.Count > 0)
        {
            return await session.UsageErrorAsync(string.Join(Environment.NewLine, problems));
        }

        if (!(isNew ? await store.AddAsync(api) : await store.UpdateAsync(api)))
        {
            await session.Error.WriteLineAsync(isNew
                ? $"An API '{api.Identifier}' already exists. Change it with 'api update'."
                : $"No API '{api.Identifier}' is registered.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"{(isNew ? "Registered" : "Updated")} API: {Describe(api)}");
        return AdminCommandLine.Done;
    }

    private static string Describe(ApiResource api) =>
        $"{api.Identifier}\t{api.Name}\tscopes: {string.Join(' ', api.Scopes.Select(s => s.Name))}"
        + $"\ttoken lifetime: {(api.AccessTokenLifetime is { } lifetime ? $"{lifetime.TotalMinutes:0.##} min" : "default")}"
        + $"\tclients: {(api.AllowedClients.Count == 0 ? "any" : string.Join(' ', api.AllowedClients))}"
        + $"\tintrospectors: {(api.Introspectors.Count == 0 ? "none" : string.Join(' ', api.Introspectors))}"
        + (api.ExchangeClients.Count == 0 ? "" : $"\ttoken exchange by: {string.Join(' ', api.ExchangeClients)}");

    /// <summary>The options add and update share; update keeps what is not given.</summary>
    private sealed class ApiOptions
    {
        public ApiOptions(Command command, bool required)
        {
            Identifier = new Option<string>("--identifier") { Description = "The API's identifier: an absolute URI without a fragment (RFC 8707), the aud of its tokens." };
            Name = new Option<string>("--name") { Description = "The name the consent page shows." };
            Scopes = new Option<string[]>("--scope") { Description = "A scope and the words the consent page shows for it, as name=words (repeat for more). Scope names are unique across APIs." };
            Lifetime = new Option<int?>("--token-lifetime") { Description = "Access token lifetime in minutes (1 to 1440); default: the server's OAuth:AccessTokenLifetime." };
            Clients = new Option<string[]>("--client") { Description = "A client_id that may ask for this API's tokens (repeat for more); none given: any client." };
            Introspectors = new Option<string[]>("--introspector") { Description = "A confidential client_id this API introspects as: it is told about this API's tokens only (repeat for more)." };
            ExchangeClients = new Option<string[]>("--exchange-client")
            {
                Description = "A client_id (an API acting for users, listed as an --introspector of its own API) that may exchange a user's token for this API's tokens (RFC 8693; repeat for more).",
            };
            foreach (var option in new Option[] { Identifier, Name, Scopes, Lifetime, Clients, Introspectors, ExchangeClients })
            {
                command.Options.Add(option);
            }

            _required = required;
        }

        private readonly bool _required;

        public Option<string> Identifier { get; }

        public Option<string> Name { get; }

        public Option<string[]> Scopes { get; }

        public Option<int?> Lifetime { get; }

        public Option<string[]> Clients { get; }

        public Option<string[]> Introspectors { get; }

        public Option<string[]> ExchangeClients { get; }

        /// <summary>The API the options describe, on top of <paramref name="existing"/>; null when a required option is missing.</summary>
        public ApiResource? Read(System.CommandLine.ParseResult parsed, ApiResource? existing)
        {
            var identifier = parsed.GetValue(Identifier);
            var name = parsed.GetValue(Name) ?? existing?.Name;
            if (identifier is null || (_required && name is null))
            {
                return null;
            }

            var scopes = parsed.GetValue(Scopes) is { Length: > 0 } given
                ? [.. given.Select(ParseScope)]
                : existing?.Scopes ?? [];
            return new ApiResource
            {
                Identifier = identifier,
                Name = name ?? "",
                Scopes = scopes,
                AccessTokenLifetime = parsed.GetValue(Lifetime) is { } minutes ? TimeSpan.FromMinutes(minutes) : existing?.AccessTokenLifetime,
                AllowedClients = parsed.GetValue(Clients) is { Length: > 0 } clients ? clients : existing?.AllowedClients ?? [],
                Introspectors = parsed.GetValue(Introspectors) is { Length: > 0 } introspectors ? introspectors : existing?.Introspectors ?? [],
                ExchangeClients = parsed.GetValue(ExchangeClients) is { Length: > 0 } exchangers ? exchangers : existing?.ExchangeClients ?? [],
            };
        }

        /// <summary>"name=words", or a bare name, which the consent page then shows as it is.</summary>
        private static ApiScope ParseScope(string value) =>
            value.Split('=', 2) is [var scope, var words] && words.Trim().Length > 0 ? new ApiScope(scope.Trim(), words.Trim()) : new ApiScope(value.Trim(), value.Trim());
    }
}
