using Microsoft.Extensions.Options;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Http;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Signing;
using Serverless.OAuth.Storage;
using Serverless.OAuth.Users;

namespace Serverless.Local.Admin;

/// <summary>
/// The admin commands: clients, users, keys and purge, against the storage the configuration names (Azurite in
/// Development; the deployed account with OAuth__Storage__TableServiceUri and an Azure login). Exit codes: 0 done,
/// 1 the operation failed, 2 the command line is wrong.
/// </summary>
public static class AdminCommands
{
    public const string Usage = """
        Usage: Serverless.Local <command> [options]

          clients add --id ID --name NAME (--public | --confidential)
                      [--redirect-uri URI]... [--scope "SCOPE ..."] [--grant GRANT]...
                      [--refresh-without-offline-access] [--introspect]
                      Registers a client. A confidential client's secret is generated and printed once.
                      Grants: authorization_code (default), refresh_token, client_credentials.
                      A refresh token comes with a code only when the user granted offline_access, unless
                      --refresh-without-offline-access. --introspect lets a confidential client introspect any
                      token (a resource server); without it, only tokens issued to the client itself.
          clients list
          clients remove --id ID
          users add --username NAME [--display-name NAME] [--password-stdin]
                      Adds a user; the password is read from standard input (never from the command line).
          users list
          users remove --username NAME
          keys list   Lists the published signing keys (JWKS).
          keys rotate Makes a new signing key; the old one stays published until its tokens expire.
          purge       Deletes expired codes, refresh tokens and other expired rows now.

        Settings come from appsettings.json, appsettings.{Environment}.json and OAuth__* environment variables.
        """;

    private static readonly string[] Commands = ["clients", "users", "keys", "purge", "help", "--help"];

    public static bool IsCommand(string arg) => Commands.Contains(arg);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader? input = null, Action<WebApplicationBuilder>? configure = null)
    {
        if (args[0] is "help" or "--help")
        {
            await output.WriteLineAsync(Usage);
            return 0;
        }

        var command = string.Join(' ', args.Take(args[0] == "purge" ? 1 : 2));
        var rest = args.Skip(args[0] == "purge" ? 1 : 2).ToArray();
        var handler = Handler(command);
        if (handler is null)
        {
            await error.WriteLineAsync($"Unknown command '{command}'.\n\n{Usage}");
            return 2;
        }

        WebApplication app;
        try
        {
            // Settings for the admin commands come from the host's configuration, not from its command line.
            app = LocalHost.Build([], builder =>
            {
                builder.Logging.ClearProviders();
                configure?.Invoke(builder);
            });

            // The settings are checked when first read: here, so a bad one is a message and exit 1, not a stack trace.
            app.Services.GetRequiredService<OAuthServerOptions>();
        }
        catch (Exception e) when (e is InvalidOperationException or OptionsValidationException)
        {
            await error.WriteLineAsync(e.Message);
            return 1;
        }

        await using (app)
        {
            try
            {
                return await handler(new Context(app.Services, rest, output, error, input ?? Console.In));
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException or Azure.Identity.AuthenticationFailedException)
            {
                await error.WriteLineAsync($"Storage or Key Vault could not be reached ({e.GetType().Name}). Is Azurite running, or are you signed in to Azure?");
                return 1;
            }
        }
    }

    private sealed record Context(IServiceProvider Services, string[] Args, TextWriter Output, TextWriter Error, TextReader Input)
    {
        public T Get<T>() where T : notnull => Services.GetRequiredService<T>();
    }

    private static Func<Context, Task<int>>? Handler(string command) => command switch
    {
        "clients add" => AddClientAsync,
        "clients list" => ListClientsAsync,
        "clients remove" => RemoveClientAsync,
        "users add" => AddUserAsync,
        "users list" => ListUsersAsync,
        "users remove" => RemoveUserAsync,
        "keys list" => ListKeysAsync,
        "keys rotate" => RotateKeysAsync,
        "purge" => PurgeAsync,
        _ => null,
    };

    private static async Task<int> AddClientAsync(Context c)
    {
        var (line, parseError) = CommandLine.Parse(
            c.Args,
            new HashSet<string> { "--id", "--name", "--redirect-uri", "--scope", "--grant" },
            new HashSet<string> { "--public", "--confidential", "--refresh-without-offline-access", "--introspect" });
        if (line is null)
        {
            return await UsageErrorAsync(c, parseError!);
        }

        var options = c.Get<OAuthServerOptions>();
        var id = line.Value("--id");
        var name = line.Value("--name");
        var grants = line.Values("--grant").Count > 0 ? line.Values("--grant").Distinct().ToArray() : [GrantTypes.AuthorizationCode];
        var scope = ScopeSet.Parse(line.Value("--scope") ?? "");
        var problems = new List<string>();
        if (!OAuthClient.IsValidClientId(id))
        {
            problems.Add("--id is required: 1 to 64 letters, digits, '-', '_' or '.'.");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add("--name is required.");
        }

        if (line.Has("--public") == line.Has("--confidential"))
        {
            problems.Add("Say --public or --confidential.");
        }

        problems.AddRange(grants.Where(g => !GrantTypes.All.Contains(g)).Select(g => $"Unknown grant '{g}'; use {string.Join(", ", GrantTypes.All)}."));
        if (line.Has("--public") && grants.Contains(GrantTypes.ClientCredentials))
        {
            problems.Add("A public client cannot use client_credentials.");
        }

        if (line.Has("--introspect") && !line.Has("--confidential"))
        {
            problems.Add("Only a confidential client may introspect tokens (--introspect).");
        }

        if (grants.Contains(GrantTypes.AuthorizationCode) && line.Values("--redirect-uri").Count == 0)
        {
            problems.Add("The authorization_code grant needs at least one --redirect-uri.");
        }

        problems.AddRange(line.Values("--redirect-uri").Select(OAuthClient.RedirectUriProblem).OfType<string>());
        if (scope is null)
        {
            problems.Add("--scope is malformed.");
        }
        else
        {
            problems.AddRange(scope.Values.Where(s => !options.Scopes.ContainsKey(s)).Select(s => $"Unknown scope '{s}'; known: {string.Join(' ', options.Scopes.Keys)}."));
        }

        if (problems.Count > 0)
        {
            return await UsageErrorAsync(c, string.Join(Environment.NewLine, problems));
        }

        var confidential = line.Has("--confidential");
        var secret = confidential ? SecretValues.NewSecret() : null;
        var client = new OAuthClient
        {
            ClientId = id!,
            Name = name!.Trim(),
            Type = confidential ? ClientType.Confidential : ClientType.Public,
            SecretHash = secret is null ? null : ClientSecretVerifier.HashSecret(secret),
            RedirectUris = [.. line.Values("--redirect-uri").Distinct()],
            AllowedScopes = scope!.IsEmpty ? [.. options.Scopes.Keys] : [.. scope.Values],
            AllowedGrantTypes = grants,
            RefreshWithoutOfflineAccess = line.Has("--refresh-without-offline-access"),
            MayIntrospect = line.Has("--introspect"),
        };

        await c.Output.WriteLineAsync($"Registering client '{client.ClientId}'...");
        if (!await c.Get<ClientStore>().AddAsync(client))
        {
            await c.Error.WriteLineAsync($"A client '{client.ClientId}' already exists. Remove it first, or choose another --id.");
            return 1;
        }

        await c.Output.WriteLineAsync($"Registered {client.Type.ToString().ToLowerInvariant()} client '{client.ClientId}' ({client.Name}).");
        await c.Output.WriteLineAsync($"  grants: {string.Join(' ', client.AllowedGrantTypes)}; scopes: {string.Join(' ', client.AllowedScopes)}{Settings(client)}");
        if (secret is not null)
        {
            await c.Output.WriteLineAsync($"  client_secret: {secret}");
            await c.Output.WriteLineAsync("  Store this secret now: it is shown only once, and only its hash is kept.");
        }

        return 0;
    }

    private static async Task<int> ListClientsAsync(Context c)
    {
        if (c.Args.Length > 0)
        {
            return await UsageErrorAsync(c, $"Unknown argument '{c.Args[0]}'.");
        }

        var clients = await c.Get<ClientStore>().ListAsync();
        if (clients.Count == 0)
        {
            await c.Output.WriteLineAsync("No clients are registered.");
        }

        foreach (var client in clients.OrderBy(x => x.ClientId, StringComparer.Ordinal))
        {
            await c.Output.WriteLineAsync($"{client.ClientId}\t{client.Type.ToString().ToLowerInvariant()}\t{client.Name}\tgrants: {string.Join(' ', client.AllowedGrantTypes)}\tscopes: {string.Join(' ', client.AllowedScopes)}\tredirect URIs: {string.Join(' ', client.RedirectUris)}{Settings(client)}");
        }

        return 0;
    }

    /// <summary>The client's settings that differ from the defaults, as the flags that set them.</summary>
    private static string Settings(OAuthClient client)
    {
        string[] flags = [.. new[] { (client.RefreshWithoutOfflineAccess, "--refresh-without-offline-access"), (client.MayIntrospect, "--introspect") }.Where(f => f.Item1).Select(f => f.Item2)];
        return flags.Length == 0 ? "" : "\tsettings: " + string.Join(' ', flags);
    }

    private static async Task<int> RemoveClientAsync(Context c)
    {
        var (line, parseError) = CommandLine.Parse(c.Args, new HashSet<string> { "--id" }, new HashSet<string>());
        if (line?.Value("--id") is not { } id)
        {
            return await UsageErrorAsync(c, parseError ?? "--id is required.");
        }

        if (!await c.Get<ClientStore>().RemoveAsync(id))
        {
            await c.Error.WriteLineAsync($"No client '{id}' is registered.");
            return 1;
        }

        await c.Output.WriteLineAsync($"Removed client '{id}'. Running instances forget it within their client cache lifetime.");
        return 0;
    }

    private static async Task<int> AddUserAsync(Context c)
    {
        var (line, parseError) = CommandLine.Parse(c.Args, new HashSet<string> { "--username", "--display-name" }, new HashSet<string> { "--password-stdin" });
        if (line is null)
        {
            return await UsageErrorAsync(c, parseError!);
        }

        var username = OAuthUser.Normalize(line.Value("--username"));
        if (username is null)
        {
            return await UsageErrorAsync(c, "--username is required: 1 to 64 letters, digits, '-', '_', '.' or '@'.");
        }

        // A person at a terminal is prompted without echo; otherwise the first line of standard input is the password.
        var interactive = !line.Has("--password-stdin") && !Console.IsInputRedirected && ReferenceEquals(c.Input, Console.In);
        if (interactive)
        {
            await c.Output.WriteAsync("Password: ");
        }

        var password = interactive ? ReadHidden() : await c.Input.ReadLineAsync();
        if (password is null || password.Length < 8)
        {
            return await UsageErrorAsync(c, "The password must have at least 8 characters.");
        }

        var user = new OAuthUser(username, Guid.NewGuid().ToString(), UserStore.HashPassword(password), line.Value("--display-name"));
        if (!await c.Get<UserStore>().AddAsync(user))
        {
            await c.Error.WriteLineAsync($"A user '{username}' already exists.");
            return 1;
        }

        await c.Output.WriteLineAsync($"Added user '{username}' (sub {user.Subject}).");
        return 0;
    }

    private static async Task<int> ListUsersAsync(Context c)
    {
        var users = await c.Get<UserStore>().ListAsync();
        if (users.Count == 0)
        {
            await c.Output.WriteLineAsync("No users.");
        }

        foreach (var user in users.OrderBy(u => u.Username, StringComparer.Ordinal))
        {
            await c.Output.WriteLineAsync($"{user.Username}\tsub {user.Subject}\t{user.DisplayName}");
        }

        return 0;
    }

    private static async Task<int> RemoveUserAsync(Context c)
    {
        var (line, parseError) = CommandLine.Parse(c.Args, new HashSet<string> { "--username" }, new HashSet<string>());
        if (line?.Value("--username") is not { } username)
        {
            return await UsageErrorAsync(c, parseError ?? "--username is required.");
        }

        if (!await c.Get<UserStore>().RemoveAsync(username))
        {
            await c.Error.WriteLineAsync($"No user '{username}'.");
            return 1;
        }

        await c.Output.WriteLineAsync($"Removed user '{username}'.");
        return 0;
    }

    private static async Task<int> ListKeysAsync(Context c)
    {
        foreach (var key in await c.Get<ISigningKeyProvider>().GetPublicKeysAsync(CancellationToken.None))
        {
            await c.Output.WriteLineAsync($"{key.KeyId}\t{key.Algorithm}\t{key.KeyType}");
        }

        return 0;
    }

    private static async Task<int> RotateKeysAsync(Context c)
    {
        await c.Output.WriteLineAsync("Rotating the signing key...");
        var key = await c.Get<ISigningKeyProvider>().RotateAsync(CancellationToken.None);
        await c.Output.WriteLineAsync($"New signing key {key.KeyId} ({key.Algorithm}). Earlier keys stay in JWKS until the tokens they signed expire.");
        return 0;
    }

    private static async Task<int> PurgeAsync(Context c)
    {
        await c.Output.WriteLineAsync("Purging expired rows...");
        var result = await c.Get<ExpiryPurge>().RunAsync();
        await c.Output.WriteLineAsync($"Deleted {result.RowsDeleted} expired rows ({result.IndexEntriesRead} index entries, {result.RowsRead} rows read, {result.PartitionsRescheduled} partitions rescheduled).");
        return 0;
    }

    private static async Task<int> UsageErrorAsync(Context c, string message)
    {
        await c.Error.WriteLineAsync(message);
        await c.Error.WriteLineAsync("Run with 'help' for the commands and their options.");
        return 2;
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
