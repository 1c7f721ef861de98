using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests;

/// <summary>
/// A client's signing key for private_key_jwt, made in the test: its public JWK Set to register, and assertions signed
/// with it whose every claim a test may change (to forge, expire, misaddress or replay one).
/// </summary>
public sealed class ClientKey : IDisposable
{
    public const string JwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string KeyId { get; } = "k-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The public key as a JWK (no private members).</summary>
    public Dictionary<string, string> PublicJwk
    {
        get
        {
            var p = _key.ExportParameters(false);
            return new() { ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = KeyId, ["use"] = "sig", ["alg"] = "ES256", ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y) };
        }
    }

    /// <summary>The private key as a JWK, for a client written in another language (openid-client).</summary>
    public Dictionary<string, string> PrivateJwk => new(PublicJwk) { ["d"] = Base64UrlEncoder.Encode(_key.ExportParameters(true).D) };

    public static string JwksOf(params ClientKey[] keys) => JsonSerializer.Serialize(new { keys = keys.Select(k => k.PublicJwk) });

    public string Jwks => JwksOf(this);

    /// <summary>An assertion for <paramref name="clientId"/>: iss = sub = client id, aud, a fresh jti, five minutes' life.</summary>
    public string Assertion(string clientId, string audience, Action<Dictionary<string, object>>? change = null, string? keyId = null, DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["iss"] = clientId,
            ["sub"] = clientId,
            ["aud"] = audience,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = EpochTime.GetIntDate(issuedAt),
            ["exp"] = EpochTime.GetIntDate(issuedAt.AddMinutes(2)),
        };
        change?.Invoke(claims);
        return Sign(claims, keyId ?? KeyId);
    }

    public string Sign(Dictionary<string, object> claims, string keyId)
    {
        var header = new Dictionary<string, object> { ["alg"] = "ES256", ["typ"] = "JWT", ["kid"] = keyId };
        var signingInput = Encode(header) + "." + Encode(claims);
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }

    /// <summary>An unsigned JWT (alg "none", RFC 7519 §6) with these claims.</summary>
    public static string Unsigned(Dictionary<string, object> claims) =>
        Encode(new Dictionary<string, object> { ["alg"] = "none", ["typ"] = "JWT" }) + "." + Encode(claims) + ".";

    /// <summary>An HS256 JWT keyed with <paramref name="secret"/> (what a confused server might check against a public key's bytes).</summary>
    public static string Hmac(Dictionary<string, object> claims, byte[] secret, string keyId)
    {
        var signingInput = Encode(new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = keyId }) + "." + Encode(claims);
        return signingInput + "." + Base64UrlEncoder.Encode(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>The claims of a JWT (not verified), to build a variant of it.</summary>
    public static Dictionary<string, object> ClaimsOf(string jwt) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(jwt.Split('.')[1]))!
            .ToDictionary(c => c.Key, c => (object)(c.Value.ValueKind == JsonValueKind.Number ? c.Value.GetInt64() : c.Value.ValueKind == JsonValueKind.String ? c.Value.GetString()! : c.Value));

    public void Dispose() => _key.Dispose();

    private static string Encode(Dictionary<string, object> value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
}

public static class ClientAssertionRegistrations
{
    /// <summary>A confidential client with no secret: client_credentials, authenticating with the keys or issuers given.</summary>
    public static async Task<OAuthClient> AddAssertionClientAsync(
        this IOAuthTestServer server, string? jwks = null, string? jwksUri = null, FederatedCredential[]? federated = null, bool mayIntrospect = false, string[]? grants = null)
    {
        var client = new OAuthClient
        {
            ClientId = "machine-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Test Machine",
            Type = ClientType.Confidential,
            AllowedScopes = ["read", "write"],
            AllowedGrantTypes = grants ?? [GrantTypes.ClientCredentials],
            MayIntrospect = mayIntrospect,
            Jwks = jwks,
            JwksUri = jwksUri,
            FederatedCredentials = federated ?? [],
        };
        Assert.True(await server.Services.GetRequiredService<IClientStore>().AddAsync(client));
        return client;
    }

    /// <summary>How many used one-time ids (assertion jti values) the server's replay table holds.</summary>
    public static async Task<int> CountReplayRowsAsync(this IOAuthTestServer server)
    {
        var table = await server.Services.GetRequiredService<OAuthTables>().GetAsync(OAuthTables.Replays);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            count++;
        }

        return count;
    }

    public static (string Name, string Value)[] AssertionForm(string assertion, params (string Name, string Value)[] more) =>
        [("client_assertion_type", ClientKey.JwtBearer), ("client_assertion", assertion), .. more];
}
