using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>What each signing mode deploys in the vault.</summary>
[Collection(CompiledInfraCollection.Name)]
public sealed class SigningModeTests(CompiledInfra infra)
{
    [Theory]
    [InlineData("KeyVault", new[] { "'oauth-signing'", "'oauth-signing-second'" })]
    [InlineData("KeyVaultWrapped", new[] { "'oauth-wrapping'" })]
    public void EachVaultMode_CreatesOnlyItsOwnKeys(string mode, string[] keyNames)
    {
        var keys = infra.For(mode).DeployedOfType("Microsoft.KeyVault/vaults/keys").ToList();

        var passedNames = keys.Select(key => KeyvaultModuleParameter(mode, ParameterOf(key.Name!)));
        Assert.Equal(keyNames, passedNames.Select(name => "'" + name + "'"));
        Assert.All(keys, key => Assert.False((bool?)key.Properties["attributes"]?["exportable"]));
    }

    /// <summary>The second key is the other algorithm's: RSA 2048 for ES256, EC P-256 for RS256, so ID tokens can be RS256.</summary>
    [Fact]
    public void TheSecondSigningKey_IsTheOtherAlgorithm()
    {
        var key = Assert.Single(infra.For("KeyVault").DeployedOfType("Microsoft.KeyVault/vaults/keys"), k => k.Name!.Contains("secondSigningKeyName", StringComparison.Ordinal));

        Assert.Equal("[if(equals(parameters('signingAlgorithm'), 'ES256'), 'RSA', 'EC')]", (string?)key.Properties["kty"]);
        Assert.Equal("[if(equals(parameters('signingAlgorithm'), 'ES256'), null(), 'P-256')]", (string?)key.Properties["curveName"]);
        Assert.Equal("[if(equals(parameters('signingAlgorithm'), 'ES256'), 2048, null())]", (string?)key.Properties["keySize"]);
        Assert.Equal(["sign", "verify"], key.Properties["keyOps"]!.AsArray().Select(n => (string)n!));
    }

    private static string ParameterOf(string resourceName) =>
        resourceName.Contains("secondSigningKeyName", StringComparison.Ordinal) ? "secondSigningKeyName"
        : resourceName.Contains("signingKeyName", StringComparison.Ordinal) ? "signingKeyName"
        : "wrappingKeyName";

    [Fact]
    public void LocalMode_CreatesNoKeyButStillTheVault()
    {
        var template = infra.For("Local");

        Assert.Empty(template.DeployedOfType("Microsoft.KeyVault/vaults/keys"));
        Assert.Single(template.DeployedOfType("Microsoft.KeyVault/vaults"));
    }

    [Fact]
    public void SigningKey_FollowsTheAlgorithm_EcP256ForES256AndRsa2048ForRS256()
    {
        var key = Assert.Single(infra.For("KeyVault").DeployedOfType("Microsoft.KeyVault/vaults/keys"), k => !k.Name!.Contains("secondSigningKeyName", StringComparison.Ordinal));

        Assert.Equal("[if(equals(parameters('signingAlgorithm'), 'ES256'), 'EC', 'RSA')]", (string?)key.Properties["kty"]);
        Assert.Equal("[if(equals(parameters('signingAlgorithm'), 'ES256'), 'P-256', null())]", (string?)key.Properties["curveName"]);
        Assert.Equal("[if(equals(parameters('signingAlgorithm'), 'RS256'), 2048, null())]", (string?)key.Properties["keySize"]);
        Assert.Equal(["sign", "verify"], key.Properties["keyOps"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void WrappingKey_IsAnRsa2048KeyThatOnlyWraps()
    {
        var key = Assert.Single(infra.For("KeyVaultWrapped").DeployedOfType("Microsoft.KeyVault/vaults/keys"));

        Assert.Equal("RSA", (string?)key.Properties["kty"]);
        Assert.Equal(2048, (int?)key.Properties["keySize"]);
        Assert.Equal(["wrapKey", "unwrapKey"], key.Properties["keyOps"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void DefaultSigningMode_IsKeyVault_AndLocalIsOnlyAnExplicitChoice()
    {
        var signingMode = infra.Template["parameters"]!["signingMode"]!;

        Assert.Equal("KeyVault", (string?)signingMode["defaultValue"]);
        Assert.Equal(["KeyVault", "KeyVaultWrapped", "Local"], signingMode["allowedValues"]!.AsArray().Select(n => (string)n!));
        Assert.Contains("NOT for production", (string?)signingMode["metadata"]?["description"], StringComparison.Ordinal);
    }

    private string KeyvaultModuleParameter(string mode, string name)
    {
        var module = Assert.Single(infra.For(mode).DeployedOfType("Microsoft.Resources/deployments"), r => r.Name == "keyvault");
        var value = (string?)module.Json["properties"]!["parameters"]![name]!["value"];
        // Passed as a variable of the main template.
        Assert.Equal($"[variables('{name}')]", value);
        return (string)infra.Template["variables"]![name]!;
    }
}
