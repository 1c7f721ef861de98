using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// The Key Vault keys REST operations this server needs, called directly over Azure.Core's <see cref="HttpPipeline"/>
/// rather than through the Key Vault SDK. Retries, 429 Retry-After and token caching are the pipeline's. A vault that cannot be reached, throttles past the
/// retries or fails (5xx) surfaces as <see cref="DependencyUnavailableException"/>; any other refusal (403, 404, 400) is a configuration error and
/// surfaces as <see cref="RequestFailedException"/>.
/// </summary>
public sealed class KeyVaultKeysClient : IKeyVaultKeys
{
    public const string Dependency = "Key Vault";

    private readonly HttpPipeline _pipeline;

    public KeyVaultKeysClient(Uri vaultUri, TokenCredential credential, KeyVaultClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vaultUri);
        ArgumentNullException.ThrowIfNull(credential);
        if (vaultUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("The vault URI must use https.", nameof(vaultUri));
        }

        options ??= new KeyVaultClientOptions();
        VaultUri = new Uri(vaultUri.GetLeftPart(UriPartial.Authority));
        _pipeline = HttpPipelineBuilder.Build(
            options,
            perCallPolicies: [],
            perRetryPolicies: [new KeyVaultChallengeAuthenticationPolicy(credential, options.VerifyChallengeResource), DependencyTelemetryPolicy.ForKeyVault()],
            responseClassifier: new ResponseClassifier());
    }

    public Uri VaultUri { get; }

    /// <summary>GET keys/{name}/{version}: the public key and attributes; the newest version when no version is given.</summary>
    public async Task<KeyVaultKey> GetKeyAsync(string name, string? version, CancellationToken cancellationToken)
    {
        using var json = await SendAsync(RequestMethod.Get, ["keys", name, version ?? ""], body: null, cancellationToken);
        return KeyVaultKey.Read(json.RootElement);
    }

    /// <summary>GET keys/{name}/versions, following nextLink: every version's identifier and attributes.</summary>
    public async Task<IReadOnlyList<KeyVaultKeyVersion>> GetKeyVersionsAsync(string name, CancellationToken cancellationToken)
    {
        var versions = new List<KeyVaultKeyVersion>();
        Uri? next = null;
        do
        {
            using var json = next is null
                ? await SendAsync(RequestMethod.Get, ["keys", name, "versions"], body: null, cancellationToken)
                : await SendAsync(RequestMethod.Get, next, body: null, cancellationToken);
            if (json.RootElement.TryGetProperty("value", out var items))
            {
                versions.AddRange(items.EnumerateArray().Select(KeyVaultKeyVersion.Read));
            }

            next = json.RootElement.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String
                ? SameVault(new Uri(link.GetString()!))
                : null;
        }
        while (next is not null);

        return versions;
    }

    /// <summary>POST keys/{name}/create: a new key, or a new version of an existing one.</summary>
    public async Task<KeyVaultKey> CreateKeyAsync(
        string name, string keyType, string? curve, int? keySize, IReadOnlyList<string> operations, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object> { ["kty"] = keyType, ["key_ops"] = operations };
        if (curve is not null)
        {
            body["crv"] = curve;
        }

        if (keySize is not null)
        {
            body["key_size"] = keySize;
        }

        using var json = await SendAsync(RequestMethod.Post, ["keys", name, "create"], body, cancellationToken);
        return KeyVaultKey.Read(json.RootElement);
    }

    /// <summary>POST keys/{name}/rotate: a new version made by the vault from the key's rotation policy.</summary>
    public async Task<KeyVaultKey> RotateKeyAsync(string name, CancellationToken cancellationToken)
    {
        using var json = await SendAsync(RequestMethod.Post, ["keys", name, "rotate"], body: null, cancellationToken);
        return KeyVaultKey.Read(json.RootElement);
    }

    /// <summary>POST keys/{name}/{version}/sign: the JWS signature of a digest (ES256: R||S; RS256: PKCS#1 v1.5).</summary>
    public Task<byte[]> SignAsync(string keyId, string algorithm, byte[] digest, CancellationToken cancellationToken) =>
        KeyOperationAsync(keyId, "sign", algorithm, digest, cancellationToken);

    /// <summary>POST keys/{name}/{version}/wrapkey: encrypts a symmetric key with the vault key (e.g. RSA-OAEP-256).</summary>
    public Task<byte[]> WrapKeyAsync(string keyId, string algorithm, byte[] key, CancellationToken cancellationToken) =>
        KeyOperationAsync(keyId, "wrapkey", algorithm, key, cancellationToken);

    /// <summary>POST keys/{name}/{version}/unwrapkey: decrypts what <see cref="WrapKeyAsync"/> wrapped.</summary>
    public Task<byte[]> UnwrapKeyAsync(string keyId, string algorithm, byte[] wrappedKey, CancellationToken cancellationToken) =>
        KeyOperationAsync(keyId, "unwrapkey", algorithm, wrappedKey, cancellationToken);

    private async Task<byte[]> KeyOperationAsync(string keyId, string operation, string algorithm, byte[] value, CancellationToken cancellationToken)
    {
        var id = KeyVaultKeyIdentifier.Parse(keyId, VaultUri);
        var body = new Dictionary<string, object> { ["alg"] = algorithm, ["value"] = Base64Url.Encode(value) };
        using var json = await SendAsync(RequestMethod.Post, ["keys", id.Name, id.Version, operation], body, cancellationToken);
        return System.Buffers.Text.Base64Url.DecodeFromChars(json.RootElement.GetProperty("value").GetString());
    }

    private Task<JsonDocument> SendAsync(RequestMethod method, string[] path, object? body, CancellationToken cancellationToken)
    {
        var builder = new UriBuilder(VaultUri) { Path = string.Join('/', path.Where(s => s.Length > 0).Select(Uri.EscapeDataString)) };
        return SendAsync(method, builder.Uri, body, cancellationToken);
    }

    private async Task<JsonDocument> SendAsync(RequestMethod method, Uri uri, object? body, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(uri);
        if (!uri.Query.Contains("api-version=", StringComparison.Ordinal))
        {
            request.Uri.AppendQuery("api-version", KeyVaultClientOptions.ApiVersion);
        }

        request.Headers.Add(HttpHeader.Names.Accept, "application/json");
        if (body is not null)
        {
            request.Headers.Add(HttpHeader.Names.ContentType, "application/json");
            request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body));
        }

        try
        {
            await _pipeline.SendAsync(message, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 0)
        {
            // No answer at all: DNS, connection refused, TLS, or the network timeout, after the pipeline's retries.
            throw new DependencyUnavailableException(Dependency, e);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is RequestFailedException { Status: 0 }))
        {
            // The retry policy's "retry failed after N tries": every attempt went unanswered.
            throw new DependencyUnavailableException(Dependency, e);
        }
        catch (AuthenticationFailedException e)
        {
            // The credential (managed identity endpoint, Entra) could not produce a token.
            throw new DependencyUnavailableException(Dependency, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DependencyUnavailableException(Dependency, e);
        }

        var response = message.Response;
        if (response.Status == 200)
        {
            return JsonDocument.Parse(response.Content.ToMemory());
        }

        var failure = new RequestFailedException(response);
        throw response.Status is 408 or 429 or >= 500 ? new DependencyUnavailableException(Dependency, failure) : failure;
    }

    /// <summary>A nextLink is followed only on the configured vault, so a bearer token never leaves for another host.</summary>
    private Uri SameVault(Uri link) =>
        string.Equals(link.Scheme, VaultUri.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(link.Host, VaultUri.Host, StringComparison.OrdinalIgnoreCase)
        && link.Port == VaultUri.Port
            ? link
            : throw new InvalidOperationException("The vault answered a nextLink on another host.");
}
