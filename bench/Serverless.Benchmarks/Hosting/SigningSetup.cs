namespace Serverless.Benchmarks.Hosting;

/// <summary>A signing mode and algorithm, as the OAuth:Signing settings name them.</summary>
public sealed record SigningSetup(string Mode, string Algorithm)
{
    public static readonly IReadOnlyList<SigningSetup> All =
    [
        new("Local", "ES256"), new("Local", "RS256"),
        new("KeyVault", "ES256"), new("KeyVault", "RS256"),
        new("KeyVaultWrapped", "ES256"), new("KeyVaultWrapped", "RS256"),
    ];

    public override string ToString() => $"{Mode} {Algorithm}";
}
