using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.Testing.KeyVault;

/// <summary>
/// A Key Vault stand-in on https://127.0.0.1:{free port}, with a self-signed certificate made at start that only the
/// transports from <see cref="CreateTransport"/> trust. It answers the keys REST API's shapes (get key, list versions,
/// create, rotate, sign, wrapkey, unwrapkey), sends the 401 bearer challenge to requests without a token (any bearer
/// token is accepted), signs and wraps with real RSA/EC keys, counts every authenticated operation by kind, and can be
/// told to answer 429 (with Retry-After) or 500 to the next requests.
/// </summary>
public sealed class KeyVaultStandIn : IAsyncDisposable
{
    public const string TenantId = "72f988bf-0000-4000-8000-00000000cafe";
    public const string Challenge = $"Bearer authorization=\"https://login.microsoftonline.com/{TenantId}\", resource=\"https://vault.azure.net\"";

    private readonly WebApplication _app;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<KeyVersion>> _keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<KeyVaultOperation, int> _counts = new();
    private readonly ConcurrentDictionary<string, byte> _apiVersions = new();
    private readonly Queue<Fault> _faults = new();
    private int _challenges;
    private int _faulted;

    private KeyVaultStandIn(WebApplication app, X509Certificate2 certificate, TimeProvider clock)
    {
        _app = app;
        Certificate = certificate;
        _clock = clock;
    }

    public Uri VaultUri { get; private set; } = null!;

    public X509Certificate2 Certificate { get; }

    /// <summary>Versions listed per page before a nextLink, as the service pages them.</summary>
    public int VersionsPageSize { get; set; } = 25;

    /// <summary>401 challenges sent to requests without a bearer token.</summary>
    public int Challenges => Volatile.Read(ref _challenges);

    /// <summary>Requests answered with an injected 429 or 500.</summary>
    public int Faulted => Volatile.Read(ref _faulted);

    public int TotalOperations => _counts.Values.Sum();

    public IReadOnlyCollection<string> ApiVersionsSeen => _apiVersions.Keys.ToList();

    public static async Task<KeyVaultStandIn> StartAsync(TimeProvider? clock = null)
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var standIn = new KeyVaultStandIn(app, certificate, clock ?? TimeProvider.System);
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        standIn.VaultUri = new Uri(address.TrimEnd('/') + "/");
        return standIn;
    }

    /// <summary>A transport that trusts exactly this stand-in's certificate (and nothing else): validation stays on.</summary>
    public HttpClientTransport CreateTransport()
    {
        var pinned = Certificate.RawData;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(pinned),
        };
        return new HttpClientTransport(handler);
    }

    /// <summary>Client options for this stand-in: its pinned transport, small retry delays, and the challenge's resource
    /// (vault.azure.net) accepted for 127.0.0.1.</summary>
    public KeyVaultClientOptions ClientOptions(int maxRetries = 2)
    {
        var options = new KeyVaultClientOptions { Transport = CreateTransport(), VerifyChallengeResource = false };
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(10);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    /// <summary>Creates a key (or a new version of it) directly, without counting an operation; answers its kid.</summary>
    public string AddKey(string name, string keyType, int rsaKeySize = 2048)
    {
        lock (_lock)
        {
            return NewVersion(name, keyType, rsaKeySize, ["sign", "verify", "wrapKey", "unwrapKey"]).KeyId;
        }
    }

    /// <summary>Disables a version, as an operator would after a compromise.</summary>
    public void Disable(string keyId)
    {
        lock (_lock)
        {
            _keys.Values.SelectMany(v => v).Single(v => v.KeyId == keyId).Enabled = false;
        }
    }

    public int Count(KeyVaultOperation operation) => _counts.GetValueOrDefault(operation);

    public void ResetCounts()
    {
        _counts.Clear();
        Interlocked.Exchange(ref _challenges, 0);
        Interlocked.Exchange(ref _faulted, 0);
    }

    /// <summary>The next <paramref name="count"/> authenticated requests are answered <paramref name="status"/> (429 with Retry-After).</summary>
    public void FailNext(int count, int status, TimeSpan? retryAfter = null)
    {
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                _faults.Enqueue(new Fault(status, retryAfter));
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var apiVersion = request.Query["api-version"].ToString();
        if (apiVersion.Length == 0)
        {
            await ErrorAsync(context, 400, "BadParameter", "The request is missing the api-version parameter.");
            return;
        }

        _apiVersions.TryAdd(apiVersion, 0);
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || authorization.Length <= "Bearer ".Length)
        {
            Interlocked.Increment(ref _challenges);
            context.Response.Headers.WWWAuthenticate = Challenge;
            await ErrorAsync(context, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
            return;
        }

        var segments = request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var route = Route(request.Method, segments);
        if (route is not { } found)
        {
            await ErrorAsync(context, 404, "NotFound", "The requested operation does not exist.");
            return;
        }

        _counts.AddOrUpdate(found.Operation, 1, (_, n) => n + 1);
        Fault? fault = null;
        lock (_lock)
        {
            if (_faults.Count > 0)
            {
                fault = _faults.Dequeue();
            }
        }

        if (fault is { } injected)
        {
            Interlocked.Increment(ref _faulted);
            if (injected.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await ErrorAsync(context, injected.Status, injected.Status == 429 ? "Throttled" : "InternalServerError", "Injected by the test.");
            return;
        }

        JsonObject? body = null;
        if (request.Method == "POST" && request.ContentLength is > 0)
        {
            body = await JsonSerializer.DeserializeAsync<JsonObject>(request.Body) ?? [];
        }

        var (status, answer) = found.Operation switch
        {
            KeyVaultOperation.GetKey => GetKey(found.Name, found.Version),
            KeyVaultOperation.ListVersions => ListVersions(found.Name, request.Query["$skiptoken"].ToString(), apiVersion),
            KeyVaultOperation.CreateKey => CreateKey(found.Name, body ?? []),
            KeyVaultOperation.RotateKey => RotateKey(found.Name),
            _ => KeyOperation(found.Operation, found.Name, found.Version!, body ?? []),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private static (KeyVaultOperation Operation, string Name, string? Version)? Route(string method, string[] s) => (method, s.Length) switch
    {
        ("GET", 2) when s[0] == "keys" => (KeyVaultOperation.GetKey, s[1], null),
        ("GET", 3) when s[0] == "keys" && s[2] == "versions" => (KeyVaultOperation.ListVersions, s[1], null),
        ("GET", 3) when s[0] == "keys" => (KeyVaultOperation.GetKey, s[1], s[2]),
        ("POST", 3) when s[0] == "keys" && s[2] == "create" => (KeyVaultOperation.CreateKey, s[1], null),
        ("POST", 3) when s[0] == "keys" && s[2] == "rotate" => (KeyVaultOperation.RotateKey, s[1], null),
        ("POST", 4) when s[0] == "keys" && s[3] == "sign" => (KeyVaultOperation.Sign, s[1], s[2]),
        ("POST", 4) when s[0] == "keys" && s[3] == "wrapkey" => (KeyVaultOperation.WrapKey, s[1], s[2]),
        ("POST", 4) when s[0] == "keys" && s[3] == "unwrapkey" => (KeyVaultOperation.UnwrapKey, s[1], s[2]),
        _ => null,
    };

    private (int, JsonObject) GetKey(string name, string? version)
    {
        lock (_lock)
        {
            return Find(name, version) is { } key ? (200, key.Bundle()) : NotFound(name);
        }
    }

    private (int, JsonObject) ListVersions(string name, string skipToken, string apiVersion)
    {
        lock (_lock)
        {
            if (!_keys.TryGetValue(name, out var versions))
            {
                return NotFound(name);
            }

            var skip = skipToken.Length > 0 ? int.Parse(skipToken, System.Globalization.CultureInfo.InvariantCulture) : 0;
            var page = versions.Skip(skip).Take(VersionsPageSize).Select(v => (JsonNode)new JsonObject { ["kid"] = v.KeyId, ["attributes"] = v.Attributes() });
            var next = skip + VersionsPageSize < versions.Count
                ? $"{VaultUri}keys/{Uri.EscapeDataString(name)}/versions?api-version={apiVersion}&$skiptoken={skip + VersionsPageSize}"
                : null;
            return (200, new JsonObject { ["value"] = new JsonArray(page.ToArray()), ["nextLink"] = next });
        }
    }

    private (int, JsonObject) CreateKey(string name, JsonObject body)
    {
        var keyType = body["kty"]?.GetValue<string>() ?? "";
        var curve = body["crv"]?.GetValue<string>();
        if (keyType is "EC" or "EC-HSM" && curve is not (null or "P-256"))
        {
            return Error(400, "BadParameter", "The stand-in makes P-256 curves only.");
        }

        if (keyType is not ("EC" or "EC-HSM" or "RSA" or "RSA-HSM"))
        {
            return Error(400, "BadParameter", $"Unsupported key type '{keyType}'.");
        }

        var size = body["key_size"]?.GetValue<int>() ?? 2048;
        var operations = body["key_ops"]?.AsArray().Select(o => o!.GetValue<string>()).ToArray() ?? ["sign", "verify", "wrapKey", "unwrapKey"];
        lock (_lock)
        {
            return (200, NewVersion(name, keyType, size, operations).Bundle());
        }
    }

    private (int, JsonObject) RotateKey(string name)
    {
        lock (_lock)
        {
            if (Find(name, null) is not { } newest)
            {
                return NotFound(name);
            }

            return (200, NewVersion(name, newest.KeyType, newest.Rsa?.KeySize ?? 2048, newest.Operations).Bundle());
        }
    }

    private (int, JsonObject) KeyOperation(KeyVaultOperation operation, string name, string version, JsonObject body)
    {
        KeyVersion? key;
        lock (_lock)
        {
            key = Find(name, version);
        }

        if (key is null)
        {
            return NotFound(name);
        }

        var algorithm = body["alg"]?.GetValue<string>() ?? "";
        var value = System.Buffers.Text.Base64Url.DecodeFromChars(body["value"]?.GetValue<string>() ?? "");
        var permission = operation switch { KeyVaultOperation.Sign => "sign", KeyVaultOperation.WrapKey => "wrapKey", _ => "unwrapKey" };
        if (!key.Enabled || !key.Operations.Contains(permission))
        {
            return Error(403, "Forbidden", $"Operation {permission} is not permitted on this key.");
        }

        try
        {
            var result = operation switch
            {
                KeyVaultOperation.Sign => Sign(key, algorithm, value),
                KeyVaultOperation.WrapKey => key.Rsa?.Encrypt(value, Padding(algorithm)),
                _ => key.Rsa?.Decrypt(value, Padding(algorithm)),
            };
            return result is null
                ? Error(400, "BadParameter", $"Algorithm {algorithm} does not suit a {key.KeyType} key.")
                : (200, new JsonObject { ["kid"] = key.KeyId, ["value"] = System.Buffers.Text.Base64Url.EncodeToString(result) });
        }
        catch (CryptographicException)
        {
            return Error(400, "BadParameter", "The value could not be processed with this key.");
        }
    }

    private static byte[]? Sign(KeyVersion key, string algorithm, byte[] digest) => algorithm switch
    {
        _ when digest.Length != 32 => throw new CryptographicException("The digest must be SHA-256."),
        "ES256" => key.Ec?.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        "RS256" => key.Rsa?.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => null,
    };

    private static RSAEncryptionPadding Padding(string algorithm) => algorithm switch
    {
        "RSA-OAEP-256" => RSAEncryptionPadding.OaepSHA256,
        "RSA-OAEP" => RSAEncryptionPadding.OaepSHA1,
        "RSA1_5" => RSAEncryptionPadding.Pkcs1,
        _ => throw new CryptographicException($"Unsupported wrap algorithm '{algorithm}'."),
    };

    private KeyVersion? Find(string name, string? version) =>
        _keys.TryGetValue(name, out var versions)
            ? version is null ? versions.LastOrDefault() : versions.FirstOrDefault(v => v.Version == version)
            : null;

    private KeyVersion NewVersion(string name, string keyType, int rsaKeySize, string[] operations)
    {
        var version = Guid.NewGuid().ToString("N");
        var key = new KeyVersion(
            $"{VaultUri}keys/{name}/{version}",
            version,
            keyType,
            keyType.StartsWith("EC", StringComparison.Ordinal) ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null,
            keyType.StartsWith("RSA", StringComparison.Ordinal) ? RSA.Create(rsaKeySize) : null,
            operations,
            _clock.GetUtcNow());
        if (!_keys.TryGetValue(name, out var versions))
        {
            _keys[name] = versions = [];
        }

        versions.Add(key);
        return key;
    }

    private static (int, JsonObject) NotFound(string name) =>
        Error(404, "KeyNotFound", $"A key with (name/id) {name} was not found in this key vault.");

    private static (int, JsonObject) Error(int status, string code, string message) =>
        (status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

    private static async Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(Error(status, code, message).Item2.ToJsonString());
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Key Vault stand-in", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        // Through PKCS#12 so that Kestrel gets a certificate whose private key every platform's TLS stack can use.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        lock (_lock)
        {
            foreach (var version in _keys.Values.SelectMany(v => v))
            {
                version.Ec?.Dispose();
                version.Rsa?.Dispose();
            }
        }

        Certificate.Dispose();
    }

    private sealed record Fault(int Status, TimeSpan? RetryAfter);

    private sealed class KeyVersion(string keyId, string version, string keyType, ECDsa? ec, RSA? rsa, string[] operations, DateTimeOffset created)
    {
        public string KeyId { get; } = keyId;

        public string Version { get; } = version;

        public string KeyType { get; } = keyType;

        public ECDsa? Ec { get; } = ec;

        public RSA? Rsa { get; } = rsa;

        public string[] Operations { get; } = operations;

        public DateTimeOffset Created { get; } = created;

        public bool Enabled { get; set; } = true;

        public JsonObject Attributes() => new()
        {
            ["enabled"] = Enabled,
            ["created"] = Created.ToUnixTimeSeconds(),
            ["updated"] = Created.ToUnixTimeSeconds(),
            ["recoveryLevel"] = "Recoverable+Purgeable",
            ["recoverableDays"] = 90,
        };

        public JsonObject Bundle()
        {
            var key = new JsonObject
            {
                ["kid"] = KeyId,
                ["kty"] = KeyType,
                ["key_ops"] = new JsonArray(Operations.Select(o => (JsonNode)JsonValue.Create(o)!).ToArray()),
            };
            if (Ec is not null)
            {
                var p = Ec.ExportParameters(false);
                key["crv"] = "P-256";
                key["x"] = System.Buffers.Text.Base64Url.EncodeToString(p.Q.X);
                key["y"] = System.Buffers.Text.Base64Url.EncodeToString(p.Q.Y);
            }
            else
            {
                var p = Rsa!.ExportParameters(false);
                key["n"] = System.Buffers.Text.Base64Url.EncodeToString(p.Modulus);
                key["e"] = System.Buffers.Text.Base64Url.EncodeToString(p.Exponent);
            }

            return new JsonObject { ["key"] = key, ["attributes"] = Attributes(), ["tags"] = new JsonObject() };
        }
    }
}
