namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// A versioned key identifier, https://{vault}/keys/{name}/{version}. Requests are always built from the configured
/// vault plus the name and version parsed here, so an identifier read back from storage can never send a bearer token
/// to another host.
/// </summary>
public sealed record KeyVaultKeyIdentifier(string Name, string Version)
{
    public static KeyVaultKeyIdentifier Parse(string keyId, Uri vaultUri)
    {
        if (!Uri.TryCreate(keyId, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Scheme, vaultUri.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Host, vaultUri.Host, StringComparison.OrdinalIgnoreCase)
            || uri.Port != vaultUri.Port)
        {
            throw new ArgumentException($"'{keyId}' is not a key of the vault {vaultUri}.", nameof(keyId));
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length != 3 || segments[0] != "keys")
        {
            throw new ArgumentException($"'{keyId}' is not a versioned key identifier (keys/{{name}}/{{version}}).", nameof(keyId));
        }

        return new KeyVaultKeyIdentifier(Uri.UnescapeDataString(segments[1]), Uri.UnescapeDataString(segments[2]));
    }
}
