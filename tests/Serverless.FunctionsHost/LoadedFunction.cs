using System.Text.Json;
using Serverless.FunctionsHost.Rpc;

namespace Serverless.FunctionsHost;

/// <summary>
/// A function the worker indexed and loaded, with its trigger as its raw binding describes it: an HTTP trigger's route
/// and methods, a queue trigger's queue name (possibly a %setting%) and connection setting.
/// </summary>
public sealed record LoadedFunction(string Name, string FunctionId, string TriggerType, string TriggerName, string? Route, IReadOnlyList<string>? Methods, string? QueueName = null, string? Connection = null)
{
    public bool IsHttp => TriggerType.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsTimer => TriggerType.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsQueue => TriggerType.Equals("queueTrigger", StringComparison.OrdinalIgnoreCase);

    internal static LoadedFunction From(RpcFunctionMetadata metadata)
    {
        foreach (var raw in metadata.RawBindings)
        {
            using var binding = JsonDocument.Parse(raw);
            var root = binding.RootElement;
            var type = root.GetProperty("type").GetString() ?? "";
            if (!type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var methods = root.TryGetProperty("methods", out var m) && m.ValueKind == JsonValueKind.Array
                ? m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant()).ToList()
                : null;
            return new LoadedFunction(
                metadata.Name, metadata.FunctionId, type, root.GetProperty("name").GetString()!, StringProperty(root, "route"), methods,
                StringProperty(root, "queueName"), StringProperty(root, "connection"));
        }

        throw new InvalidOperationException($"Function '{metadata.Name}' has no trigger binding.");
    }

    private static string? StringProperty(JsonElement binding, string name) =>
        binding.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
