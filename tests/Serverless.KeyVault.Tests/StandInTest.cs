using Serverless.Testing.KeyVault;

namespace Serverless.KeyVault.Tests;

/// <summary>A stand-in per test: counts and faults never leak between tests.</summary>
public abstract class StandInTest : IAsyncLifetime
{
    protected KeyVaultStandIn Vault { get; private set; } = null!;

    protected StaticTokenCredential Credential { get; } = new();

    protected virtual TimeProvider Clock => TimeProvider.System;

    public async Task InitializeAsync() => Vault = await KeyVaultStandIn.StartAsync(Clock);

    public async Task DisposeAsync() => await Vault.DisposeAsync();
}
