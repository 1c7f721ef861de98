using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;

namespace Serverless.Admin;

/// <summary>
/// "clients credentials": how a confidential client authenticates without a secret. Its public keys for
/// private_key_jwt (a JWK Set, or the URL where it publishes one), and the external issuers trusted for it (workload
/// identity federation: a managed identity's Entra ID token, a GitHub Actions workflow's token).
/// </summary>
internal static class ClientCredentialCommands
{
    /// <summary>The options of "clients add" that give a new client keys or federated credentials instead of a secret.</summary>
    public sealed record AddOptions(Option<string> Jwks, Option<string> JwksUri, Option<string> Issuer, Option<string> Subject, Option<string> Audience)
    {
        public static AddOptions Create() => new(
            new Option<string>("--jwks") { Description = "Its public keys for private_key_jwt: a JWK Set, as JSON or the path of a file holding it. No secret is made." },
            new Option<string>("--jwks-uri") { Description = "Where it publishes its JWK Set for private_key_jwt (https). No secret is made." },
            new Option<string>("--federated-issuer") { Description = "Trust tokens of this issuer (https, with OpenID discovery) as its client assertion. No secret is made." },
            new Option<string>("--federated-subject") { Description = "The 'sub' a --federated-issuer token must carry (e.g. a managed identity's object id)." },
            new Option<string>("--federated-audience") { Description = "The 'aud' a --federated-issuer token must carry (default: this server's issuer)." });

        public IEnumerable<Option> All => [Jwks, JwksUri, Issuer, Subject, Audience];
    }

    /// <summary>Reads --jwks: a file's content when it names one, else the JSON itself.</summary>
    public static string? ReadJwks(string? value) =>
        value is null ? null : File.Exists(value) ? File.ReadAllText(value) : value;

    public static IReadOnlyList<FederatedCredential>? Federated(string? issuer, string? subject, string? audience) =>
        issuer is null && subject is null ? null : [new FederatedCredential(issuer ?? "", subject ?? "", audience)];

    public static Command Create(AdminSession session)
    {
        var showId = new Option<string>("--id") { Description = "The client_id." };
        var show = new Command("show", "Shows how a client authenticates: its keys and trusted issuers.") { showId };
        show.SetAction(parsed => parsed.GetValue(showId) is { } id
            ? session.WithServicesAsync(services => ShowAsync(session, services, id))
            : session.UsageErrorAsync("--id is required."));

        var keysId = new Option<string>("--id") { Description = "The client_id." };
        var jwks = new Option<string>("--jwks") { Description = "A JWK Set of public keys, as JSON or the path of a file holding it." };
        var jwksUri = new Option<string>("--jwks-uri") { Description = "Where the client publishes its JWK Set (https)." };
        var clear = new Option<bool>("--clear") { Description = "Removes the client's keys." };
        var setKeys = new Command("set-keys", "Sets (replaces) the public keys a client signs its private_key_jwt assertions with.") { keysId, jwks, jwksUri, clear };
        setKeys.SetAction(parsed => parsed.GetValue(keysId) is not { } id
            ? session.UsageErrorAsync("--id is required.")
            : (parsed.GetValue(jwks), parsed.GetValue(jwksUri), parsed.GetValue(clear)) switch
            {
                (null, null, false) or (not null, not null, _) => session.UsageErrorAsync("Give one of --jwks, --jwks-uri or --clear."),
                var (set, uri, _) => session.WithServicesAsync(services => SetKeysAsync(session, services, id, ReadJwks(set), uri)),
            });

        var trustId = new Option<string>("--id") { Description = "The client_id." };
        var issuer = new Option<string>("--issuer") { Description = "The external issuer (https; its keys come from its OpenID discovery document)." };
        var subject = new Option<string>("--subject") { Description = "The 'sub' its tokens must carry." };
        var audience = new Option<string>("--audience") { Description = "The 'aud' its tokens must carry (default: this server's issuer)." };
        var trust = new Command("trust", "Trusts an external issuer's tokens with this subject as the client's assertion (workload identity federation).")
        {
            trustId, issuer, subject, audience,
        };
        trust.SetAction(parsed => (parsed.GetValue(trustId), parsed.GetValue(issuer), parsed.GetValue(subject)) is (string id, string iss, string sub)
            ? session.WithServicesAsync(services => TrustAsync(session, services, id, new FederatedCredential(iss, sub, parsed.GetValue(audience))))
            : session.UsageErrorAsync("--id, --issuer and --subject are required."));

        var untrustId = new Option<string>("--id") { Description = "The client_id." };
        var untrustIssuer = new Option<string>("--issuer") { Description = "The issuer to stop trusting for this client." };
        var untrustSubject = new Option<string>("--subject") { Description = "Only this subject (default: every subject of that issuer)." };
        var untrust = new Command("untrust", "Stops trusting an external issuer's tokens for a client.") { untrustId, untrustIssuer, untrustSubject };
        untrust.SetAction(parsed => (parsed.GetValue(untrustId), parsed.GetValue(untrustIssuer)) is (string id, string iss)
            ? session.WithServicesAsync(services => UntrustAsync(session, services, id, iss, parsed.GetValue(untrustSubject)))
            : session.UsageErrorAsync("--id and --issuer are required."));

        return new Command("credentials", "Keys and trusted issuers: how a client authenticates without a secret.") { show, setKeys, trust, untrust };
    }

    /// <summary>The client's assertion credentials in one line, for "clients list".</summary>
    public static string Describe(OAuthClient client)
    {
        var parts = new List<string>();
        if (client.Jwks is not null)
        {
            parts.Add("private_key_jwt (registered keys)");
        }

        if (client.JwksUri is { } uri)
        {
            parts.Add($"private_key_jwt (keys at {uri})");
        }

        parts.AddRange(client.FederatedCredentials.Select(c => $"federated {c.Issuer} sub {c.Subject}{(c.Audience is null ? "" : $" aud {c.Audience}")}"));
        return parts.Count == 0 ? "" : "\tcredentials: " + string.Join("; ", parts);
    }

    private static async Task<int> ShowAsync(AdminSession session, IServiceProvider services, string clientId)
    {
        if (await services.GetRequiredService<IClientStore>().FindAsync(clientId) is not { } client)
        {
            await session.Error.WriteLineAsync($"No client '{clientId}' is registered.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"{client.ClientId}\tsecret: {(client.SecretHash is null ? "none" : "set")}{Describe(client)}");
        if (client.Jwks is { } jwks && ClientJwks.TryRead(jwks, out var keys, out _))
        {
            foreach (var key in keys)
            {
                await session.Output.WriteLineAsync($"  key {key.KeyId ?? "(no kid)"}");
            }
        }

        return AdminCommandLine.Done;
    }

    private static async Task<int> SetKeysAsync(AdminSession session, IServiceProvider services, string clientId, string? jwks, string? jwksUri)
    {
        if (jwks is not null && !ClientJwks.TryRead(jwks, out _, out var problem))
        {
            return await session.UsageErrorAsync(problem ?? "The JWK Set is not valid.");
        }

        if (jwksUri is not null && ClientJwks.UriProblem(jwksUri) is { } uriProblem)
        {
            return await session.UsageErrorAsync(uriProblem);
        }

        return await UpdateAsync(session, services, clientId, client => client with { Jwks = jwks, JwksUri = jwksUri },
            jwks is null && jwksUri is null ? "Removed the keys of" : "Set the keys of");
    }

    private static async Task<int> TrustAsync(AdminSession session, IServiceProvider services, string clientId, FederatedCredential credential)
    {
        if (credential.Problem() is { } problem)
        {
            return await session.UsageErrorAsync(problem);
        }

        return await UpdateAsync(session, services, clientId,
            client => client with { FederatedCredentials = [.. client.FederatedCredentials.Where(c => c != credential), credential] },
            $"Trusted {credential.Issuer} (sub {credential.Subject}) for");
    }

    private static Task<int> UntrustAsync(AdminSession session, IServiceProvider services, string clientId, string issuer, string? subject) =>
        UpdateAsync(session, services, clientId,
            client => client with { FederatedCredentials = [.. client.FederatedCredentials.Where(c => c.Issuer != issuer || (subject is not null && c.Subject != subject))] },
            $"Stopped trusting {issuer} for");

    private static async Task<int> UpdateAsync(AdminSession session, IServiceProvider services, string clientId, Func<OAuthClient, OAuthClient> change, string done)
    {
        var store = services.GetRequiredService<IClientStore>();
        if (await store.FindAsync(clientId) is not { } client)
        {
            await session.Error.WriteLineAsync($"No client '{clientId}' is registered.");
            return AdminCommandLine.Failed;
        }

        if (client.IsPublic)
        {
            await session.Error.WriteLineAsync($"'{clientId}' is a public client; only a confidential client authenticates with keys or a trusted issuer.");
            return AdminCommandLine.Failed;
        }

        if (!await store.SetAssertionCredentialsAsync(change(client)))
        {
            await session.Error.WriteLineAsync($"No client '{clientId}' is registered.");
            return AdminCommandLine.Failed;
        }

        await session.Output.WriteLineAsync($"{done} client '{clientId}'. Running instances see it within their client cache lifetime.");
        return AdminCommandLine.Done;
    }
}
