using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Identity.Users;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.Admin;

/// <summary>The commands: each one's options, and what it does with the server's services.</summary>
internal static class AdminCommands
{
    public static Command Clients(AdminSession session)
    {
        var id = new Option<string>("--id") { Description = "The client_id: 1 to 64 letters, digits, '-', '_' or '.'." };
        var name = new Option<string>("--name") { Description = "The name the consent page shows." };
        var isPublic = new Option<bool>("--public") { Description = "A public client (a browser or native app): no secret, PKCE." };
        var confidential = new Option<bool>("--confidential") { Description = "A confidential client: a secret is generated and printed once, unless it has keys or a trusted issuer instead." };
        var redirectUris = new Option<string[]>("--redirect-uri") { Description = "A redirect URI, matched exactly (repeat for more)." };
        var postLogoutRedirectUris = new Option<string[]>("--post-logout-redirect-uri")
        {
            Description = "Where sign-out at /endsession may send the user back to, matched exactly (repeat for more).",
        };
        var scope = new Option<string>("--scope") { Description = "The scopes it may ask for, space-separated (default: all the configured ones; openid, profile and email only when named)." };
        var grants = new Option<string[]>("--grant")
        {
            Description = $"A grant it may use (repeat for more): {string.Join(", ", GrantTypes.All)}. Default: {GrantTypes.AuthorizationCode}.",
        };
        var refreshWithoutOfflineAccess = new Option<bool>("--refresh-without-offline-access")
        {
            Description = "A code comes with a refresh token even when the user did not grant offline_access.",
        };
        var introspect = new Option<bool>("--introspect")
        {
            Description = "A confidential client (a resource server) may introspect any token, not only its own.",
        };
        var requirePushed = new Option<bool>("--require-pushed-authorization-requests")
        {
            Description = "It must push its authorization requests to /par first (RFC 9126): a plain /authorize request naming it is refused.",
        };
        var resource = new Option<string>("--resource")
        {
            Description = "The API (its identifier) a request that names no resource is for, when its scopes do not say (RFC 8707).",
        };
        var idTokenAlgorithm = new Option<string>("--id-token-signed-response-alg")
        {
            Description = "The algorithm of its ID tokens, ES256 or RS256 (default: RS256).",
        };
        var dpopBound = new Option<bool>("--dpop-bound-access-tokens")
        {
            Description = "The client always uses DPoP (RFC 9449 §5.2): a token request without a DPoP proof is refused.",
        };
        var assertion = ClientCredentialCommands.AddOptions.Create();
        var add = new Command("add", "Registers a client.")
        {
            id, name, isPublic, confidential, redirectUris, postLogoutRedirectUris, scope, grants, refreshWithoutOfflineAccess, introspect, resource, idTokenAlgorithm, dpopBound, requirePushed,
        };
        foreach (var option in assertion.All)
        {
            add.Options.Add(option);
        }

        add.SetAction(parsed => session.WithServicesAsync(services => AddClientAsync(session, services, new ClientRegistrationRequest(
            parsed.GetValue(id),
            parsed.GetValue(name),
            (parsed.GetValue(isPublic), parsed.GetValue(confidential)) switch { (true, false) => ClientType.Public, (false, true) => ClientType.Confidential, _ => null },
            parsed.GetValue(redirectUris) ?? [],
            parsed.GetValue(scope),
            parsed.GetValue(grants) ?? [],
            parsed.GetValue(refreshWithoutOfflineAccess),
            parsed.GetValue(introspect),
            parsed.GetValue(resource),
            parsed.GetValue(idTokenAlgorithm),
            parsed.GetValue(postLogoutRedirectUris),
            ClientCredentialCommands.ReadJwks(parsed.GetValue(assertion.Jwks)),
            parsed.GetValue(assertion.JwksUri),
            ClientCredentialCommands.Federated(parsed.GetValue(assertion.Issuer), parsed.GetValue(assertion.Subject), parsed.GetValue(assertion.Audience)),
            DpopBoundAccessTokens: parsed.GetValue(dpopBound),
            RequirePushedAuthorizationRequests: parsed.GetValue(requirePushed)))));

        var list = new Command("list", "Lists the registered clients and their settings.");
        list.SetAction(_ => session.WithServicesAsync(services => ListClientsAsync(session, services)));

        var removeId = new Option<string>("--id") { Description = "The client_id to remove." };
        var remove = new Command("remove", "Removes a client.") { removeId };
        remove.SetAction(parsed => parsed.GetValue(removeId) is { } clientId
            ? session.WithServicesAsync(services => RemoveClientAsync(session, services, clientId))
            : session.UsageErrorAsync("--id is required."));

        return new Command("clients", "Registers, lists and removes clients, and sets how they authenticate.") { add, list, remove, ClientCredentialCommands.Create(session) };
    }

    public static Command Users(AdminSession session)
    {
        var username = new Option<string>("--username") { Description = "1 to 64 letters, digits, '-', '_', '.' or '@'; stored in lower case." };
        var displayName = new Option<string>("--display-name") { Description = "The name shown after sign-in." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input (otherwise a terminal prompts without echo)." };
        var add = new Command("add", "Adds a user; the password is never taken from the command line.") { username, displayName, passwordStdin };
        add.SetAction(parsed => OAuthUser.Normalize(parsed.GetValue(username)) is { } normalized
            ? session.WithServicesAsync(services => AddUserAsync(session, services, normalized, parsed.GetValue(displayName), parsed.GetValue(passwordStdin)))
            : session.UsageErrorAsync("--username is required: 1 to 64 letters, digits, '-', '_', '.' or '@'."));

        var list = new Command("list", "Lists the users.");
        list.SetAction(_ => session.WithServicesAsync(services => ListUsersAsync(session, services)));

        var removeUsername = new Option<string>("--username") { Description = "The user to remove." };
        var remove = new Command("remove", "Removes a user.") { removeUsername };
        remove.SetAction(parsed => parsed.GetValue(removeUsername) is { } user
            ? session.WithServicesAsync(services => RemoveUserAsync(session, services, user))
            : session.UsageErrorAsync("--username is required."));

        var profileUsername = new Option<string>("--username") { Description = "The user whose profile to set." };
        var profileName = new Option<string>("--name") { Description = "The full name UserInfo releases with the 'profile' scope (\"\" clears it)." };
        var email = new Option<string>("--email") { Description = "The address UserInfo releases with the 'email' scope (\"\" clears it); unverified unless --email-verified true." };
        var emailVerified = new Option<bool?>("--email-verified") { Description = "true when the address is known to be the user's." };
        var setProfile = new Command("set-profile", "Sets a user's name and email address, as OpenID Connect UserInfo releases them.")
        {
            profileUsername, profileName, email, emailVerified,
        };
        setProfile.SetAction(parsed => parsed.GetValue(profileUsername) is { } user
            ? session.WithServicesAsync(services => SetProfileAsync(
                session, services, user, parsed.GetValue(profileName), parsed.GetValue(email), parsed.GetValue(emailVerified)))
            : session.UsageErrorAsync("--username is required."));

        return new Command("users", "Adds, lists and removes users, and sets their profile.") { add, list, remove, setProfile };
    }

    public static Command Keys(AdminSession session)
    {
        var list = new Command("list", "Lists the published signing keys (JWKS).");
        list.SetAction(_ => session.WithServicesAsync(async services =>
        {
            foreach (var key in await services.GetRequiredService<SigningKeyRing>().GetPublicKeysAsync(CancellationToken.None))
            {
                await session.Output.WriteLineAsync($"{key.KeyId}\t{key.Algorithm}\t{key.KeyType}");
            }

            return AdminCommandLine.Done;
        }));

        var rotate = new Command("rotate", "Makes a new signing key of each algorithm; the old ones stay published until their tokens expire.");
        rotate.SetAction(_ => session.WithServicesAsync(async services =>
        {
            await session.Output.WriteLineAsync("Rotating the signing keys...");
            foreach (var key in await services.GetRequiredService<SigningKeyRing>().RotateAsync(CancellationToken.None))
            {
                await session.Output.WriteLineAsync($"New signing key {key.KeyId} ({key.Algorithm}). Earlier keys stay in JWKS until the tokens they signed expire.");
            }

            return AdminCommandLine.Done;
        }));

        return new Command("keys", "Lists and rotates the signing keys.") { list, rotate };
    }

    public static Command Purge(AdminSession session)
    {
        var purge = new Command("purge", "Deletes expired codes, refresh tokens and other expired rows now.");
        purge.SetAction(_ => session.WithServicesAsync(async services =>
        {
            await session.Output.WriteLineAsync("Purging expired rows...");
            var result = await services.GetRequiredService<ExpiryPurge>().RunAsync();
            await session.Output.WriteLineAsync($"Deleted {result.RowsDeleted} expired rows ({result.IndexEntriesRead} index entries, {result.RowsRead} rows read, {result.PartitionsRescheduled} partitions rescheduled).");
            return AdminCommandLine.Done;
        }));
        return purge;
    }

    private static async Task<int> AddClientAsync(AdminSession session, IServiceProvider services, ClientRegistrationRequest request)
    {
        var options = services.GetRequiredService<OAuthServerOptions>();
        var apis = await services.GetRequiredService<IApiStore>().GetCatalogAsync();
        var registration = ClientRegistration.Register(request, options, apis);
        if (!registration.Succeeded)
        {
            return await session.UsageErrorAsync(string.Join(Environment.NewLine, registration.Problems.Select(p => Describe(p, options, apis))));
        }

        var client = registration.Client;
        await session.Output.WriteLineAsync($"Registering client '{client.ClientId}'...");
        if (!await services.GetRequiredService<IClientStore>().AddAsync(client))
        {
            await session.Error.WriteLineAsync($"A client '{client.ClientId}' already exists. Remove it first, or choose another --id.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"Registered {client.Type.ToString().ToLowerInvariant()} client '{client.ClientId}' ({client.Name}).");
        await session.Output.WriteLineAsync($"  grants: {string.Join(' ', client.AllowedGrantTypes)}; scopes: {string.Join(' ', client.AllowedScopes)}{Settings(client)}");
        if (registration.Secret is { } secret)
        {
            await session.Output.WriteLineAsync($"  client_secret: {secret}");
            await session.Output.WriteLineAsync("  Store this secret now: it is shown only once, and only its hash is kept.");
        }
        else if (client.HasKeys || client.FederatedCredentials.Count > 0)
        {
            await session.Output.WriteLineAsync($"  No secret: it authenticates with client assertions{ClientCredentialCommands.Describe(client)}");
        }

        return AdminCommandLine.Done;
    }

    /// <summary>A registration problem in the words of this command line's options.</summary>
    private static string Describe(ClientRegistrationProblem problem, OAuthServerOptions options, ApiCatalog apis) => problem.Kind switch
    {
        ClientRegistrationProblemKind.InvalidClientId => "--id is required: 1 to 64 letters, digits, '-', '_' or '.'.",
        ClientRegistrationProblemKind.MissingName => "--name is required.",
        ClientRegistrationProblemKind.MissingType => "Say --public or --confidential.",
        ClientRegistrationProblemKind.UnknownGrant => $"Unknown grant '{problem.Value}'; use {string.Join(", ", GrantTypes.All)}.",
        ClientRegistrationProblemKind.PublicClientCredentials => "A public client cannot use client_credentials.",
        ClientRegistrationProblemKind.UnsupportedIdTokenAlgorithm => $"--id-token-signed-response-alg '{problem.Value}' is not one the server signs with ({string.Join(", ", options.Signing.Algorithms)}).",
        ClientRegistrationProblemKind.PublicIntrospection => "Only a confidential client may introspect tokens (--introspect).",
        ClientRegistrationProblemKind.MissingRedirectUri => "The authorization_code grant needs at least one --redirect-uri.",
        ClientRegistrationProblemKind.InvalidRedirectUri => problem.Detail ?? $"'{problem.Value}' cannot be a redirect URI.",
        ClientRegistrationProblemKind.MalformedScope => "--scope is malformed.",
        ClientRegistrationProblemKind.UnknownScope =>
            $"Unknown scope '{problem.Value}'; known: {string.Join(' ', options.ServerScopes.Concat(apis.ScopeNames))}.",
        ClientRegistrationProblemKind.UnknownResource => $"--resource '{problem.Value}' is not a registered API (see 'api list').",
        ClientRegistrationProblemKind.InvalidJwks or ClientRegistrationProblemKind.InvalidJwksUri or ClientRegistrationProblemKind.InvalidFederatedCredential =>
            problem.Detail ?? problem.Kind.ToString(),
        ClientRegistrationProblemKind.PublicClientKeys => "A public client has no keys or trusted issuers; use --confidential.",
        _ => problem.Kind.ToString(),
    };

    private static async Task<int> ListClientsAsync(AdminSession session, IServiceProvider services)
    {
        var clients = await services.GetRequiredService<IClientStore>().ListAsync();
        if (clients.Count == 0)
        {
            await session.Output.WriteLineAsync("No clients are registered.");
        }

        foreach (var client in clients.OrderBy(x => x.ClientId, StringComparer.Ordinal))
        {
            await session.Output.WriteLineAsync($"{client.ClientId}\t{client.Type.ToString().ToLowerInvariant()}\t{client.Name}\tgrants: {string.Join(' ', client.AllowedGrantTypes)}\tscopes: {string.Join(' ', client.AllowedScopes)}\tredirect URIs: {string.Join(' ', client.RedirectUris)}{PostLogout(client)}{Settings(client)}{ClientCredentialCommands.Describe(client)}");
        }

        return AdminCommandLine.Done;
    }

    /// <summary>The client's settings that differ from the defaults, as the flags that set them.</summary>
    private static string PostLogout(OAuthClient client) =>
        client.PostLogoutRedirectUris.Count == 0 ? "" : "\tpost-logout redirect URIs: " + string.Join(' ', client.PostLogoutRedirectUris);

    private static string Settings(OAuthClient client)
    {
        string[] flags =
        [
            .. new[] { (client.RefreshWithoutOfflineAccess, "--refresh-without-offline-access"), (client.MayIntrospect, "--introspect"), (client.DpopBoundAccessTokens, "--dpop-bound-access-tokens"), (client.RequirePushedAuthorizationRequests, "--require-pushed-authorization-requests") }.Where(f => f.Item1).Select(f => f.Item2),
            .. client.DefaultResource is { } resource ? [$"--resource {resource}"] : Array.Empty<string>(),
            .. client.IdTokenSignedResponseAlg is { } algorithm ? [$"--id-token-signed-response-alg {algorithm}"] : Array.Empty<string>(),
        ];
        return flags.Length == 0 ? "" : "\tsettings: " + string.Join(' ', flags);
    }

    private static async Task<int> RemoveClientAsync(AdminSession session, IServiceProvider services, string clientId)
    {
        if (!await services.GetRequiredService<IClientStore>().RemoveAsync(clientId))
        {
            await session.Error.WriteLineAsync($"No client '{clientId}' is registered.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"Removed client '{clientId}'. Running instances forget it within their client cache lifetime.");
        return AdminCommandLine.Done;
    }

    private static async Task<int> AddUserAsync(AdminSession session, IServiceProvider services, string username, string? displayName, bool passwordFromStdin)
    {
        // A person at a terminal is prompted without echo; otherwise the first line of standard input is the password.
        var interactive = !passwordFromStdin && !Console.IsInputRedirected && ReferenceEquals(session.Input, Console.In);
        if (interactive)
        {
            await session.Output.WriteAsync("Password: ");
        }

        var password = interactive ? ReadHidden() : await session.Input.ReadLineAsync();
        if (password is null || password.Length < 8)
        {
            return await session.UsageErrorAsync("The password must have at least 8 characters.");
        }

        var user = new OAuthUser(username, Guid.NewGuid().ToString(), UserStore.HashPassword(password), displayName);
        if (!await services.GetRequiredService<IUserStore>().AddAsync(user))
        {
            await session.Error.WriteLineAsync($"A user '{username}' already exists.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"Added user '{username}' (sub {user.Subject}).");
        return AdminCommandLine.Done;
    }

    private static async Task<int> ListUsersAsync(AdminSession session, IServiceProvider services)
    {
        var users = await services.GetRequiredService<IUserStore>().ListAsync();
        if (users.Count == 0)
        {
            await session.Output.WriteLineAsync("No users.");
        }

        foreach (var user in users.OrderBy(u => u.Username, StringComparer.Ordinal))
        {
            var email = user.Email is null ? "" : $"\t{user.Email}{(user.EmailVerified ? " (verified)" : "")}";
            await session.Output.WriteLineAsync($"{user.Username}\tsub {user.Subject}\t{user.DisplayName}{email}");
        }

        return AdminCommandLine.Done;
    }

    private static async Task<int> SetProfileAsync(
        AdminSession session, IServiceProvider services, string username, string? name, string? email, bool? emailVerified)
    {
        if (email is { Length: > 0 } && !System.Net.Mail.MailAddress.TryCreate(email, out _))
        {
            return await session.UsageErrorAsync($"'{email}' is not an email address.");
        }

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!await services.GetRequiredService<IUserStore>().SetProfileAsync(username, name, email, emailVerified, now))
        {
            await session.Error.WriteLineAsync($"No user '{username}'.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"Set the profile of '{username}'.");
        return AdminCommandLine.Done;
    }

    private static async Task<int> RemoveUserAsync(AdminSession session, IServiceProvider services, string username)
    {
        if (!await services.GetRequiredService<IUserStore>().RemoveAsync(username))
        {
            await session.Error.WriteLineAsync($"No user '{username}'.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"Removed user '{username}'.");
        return AdminCommandLine.Done;
    }

    private static string ReadHidden()
    {
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
