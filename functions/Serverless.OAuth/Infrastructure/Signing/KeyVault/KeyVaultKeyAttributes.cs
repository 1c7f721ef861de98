using System.Text.Json;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>A key version's management attributes as the vault reports them (times are Unix seconds on the wire).</summary>
public sealed record KeyVaultKeyAttributes(bool Enabled, DateTimeOffset? CreatedOn, DateTimeOffset? NotBefore, DateTimeOffset? ExpiresOn)
{
    /// <summary>Whether the vault will use this version now: enabled and inside its nbf/exp window.</summary>
    public bool IsUsable(DateTimeOffset now) =>
        Enabled && (NotBefore is null || NotBefore <= now) && (ExpiresOn is null || ExpiresOn > now);

    internal static KeyVaultKeyAttributes Read(JsonElement item)
    {
        if (!item.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Object)
        {
            return new KeyVaultKeyAttributes(true, null, null, null);
        }

        return new KeyVaultKeyAttributes(
            !attributes.TryGetProperty("enabled", out var enabled) || enabled.ValueKind != JsonValueKind.False,
            Time(attributes, "created"),
            Time(attributes, "nbf"),
            Time(attributes, "exp"));
    }

    private static DateTimeOffset? Time(JsonElement attributes, string name) =>
        attributes.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeSeconds(value.GetInt64())
            : null;
}
