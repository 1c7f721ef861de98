using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.OAuth.Infrastructure.Telemetry;

/// <summary>
/// Measures every request the Azure SDK pipeline sends to Table Storage or Key Vault, each retry on its own (the
/// policy sits at <see cref="HttpPipelinePosition.PerRetry"/>): a client span joined to the incoming request's trace
/// and a duration on <see cref="ServerTelemetry"/>. Tags name the table or the Key Vault operation, never the URL,
/// whose path holds partition and row keys.
/// </summary>
public sealed class DependencyTelemetryPolicy : HttpPipelinePolicy
{
    private static readonly HashSet<string> KeyVaultOperations = new(StringComparer.OrdinalIgnoreCase)
    {
        "sign", "wrapkey", "unwrapkey", "create", "rotate", "versions",
    };

    private readonly bool _keyVault;
    private readonly string _tablePrefix;

    private DependencyTelemetryPolicy(bool keyVault, string tablePrefix)
    {
        _keyVault = keyVault;
        _tablePrefix = tablePrefix;
    }

    /// <param name="tablePrefix">Taken off table names, so the tag is the server's name for the table (e.g. "grants").</param>
    public static DependencyTelemetryPolicy ForTableStorage(string tablePrefix) => new(keyVault: false, tablePrefix);

    public static DependencyTelemetryPolicy ForKeyVault() => new(keyVault: true, "");

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        var operation = _keyVault ? KeyVaultOperation(message.Request.Uri.Path) : TableName(message.Request.Uri.Path);
        var method = message.Request.Method.Method;
        using var activity = ServerTelemetry.Source.HasListeners()
            ? ServerTelemetry.Source.StartActivity(_keyVault ? "keyvault " + operation : "storage " + method + " " + operation, ActivityKind.Client)
            : null;
        activity?.SetTag("oauth.dependency", _keyVault ? "keyvault" : "storage");
        activity?.SetTag(_keyVault ? "oauth.keyvault.operation" : "oauth.storage.table", operation);
        activity?.SetTag("http.request.method", method);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (async)
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            else
            {
                ProcessNext(message, pipeline);
            }
        }
        finally
        {
            // 0 when no response came (connection refused, timeout): the failures worth seeing most.
            var status = message.HasResponse ? message.Response.Status : 0;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (_keyVault)
            {
                ServerTelemetry.KeyVaultCall(operation, status, elapsed);
            }
            else
            {
                ServerTelemetry.StorageCall(operation, method, status, elapsed);
            }

            activity?.SetTag("http.response.status_code", status);
            if (status is 0 or >= 500)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    /// <summary>"/account/prefixgrants(PartitionKey='…',RowKey='…')" (Azurite) or "/prefixgrants()" (Azure): "grants".</summary>
    internal string TableName(string path)
    {
        var segment = path.AsSpan(path.LastIndexOf('/') + 1);
        var parenthesis = segment.IndexOf('(');
        if (parenthesis >= 0)
        {
            segment = segment[..parenthesis];
        }

        if (segment.StartsWith(_tablePrefix, StringComparison.Ordinal) && segment.Length > _tablePrefix.Length)
        {
            segment = segment[_tablePrefix.Length..];
        }

        return segment.ToString();
    }

    /// <summary>"/keys/{name}/{version}/sign": "sign"; "/keys/{name}/{version}" (read a key): "get".</summary>
    internal static string KeyVaultOperation(string path)
    {
        var last = path.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        return KeyVaultOperations.TryGetValue(last, out var operation) ? operation : "get";
    }
}
