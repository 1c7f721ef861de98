namespace Serverless.Testing.KeyVault;

/// <summary>The Key Vault keys operations the stand-in answers, counted one by one.</summary>
public enum KeyVaultOperation
{
    GetKey,
    ListVersions,
    CreateKey,
    RotateKey,
    Sign,
    WrapKey,
    UnwrapKey,
}
