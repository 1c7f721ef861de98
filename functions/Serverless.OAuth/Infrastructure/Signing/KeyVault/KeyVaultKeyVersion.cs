using System.Text.Json;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>One version of a key as the list-versions operation reports it: its identifier and attributes, no key material.</summary>
public sealed record KeyVaultKeyVersion(string KeyId, KeyVaultKeyAttributes Attributes)
{
    internal static KeyVaultKeyVersion Read(JsonElement item) =>
        new(item.GetProperty("kid").GetString()!, KeyVaultKeyAttributes.Read(item));
}
