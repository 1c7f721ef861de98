using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>What each signing mode deploys in the vault.</summary>
[Collection(CompiledInfraCollection.Name)]
public sealed class SigningModeTests(CompiledInfra infra)
{
    /// <summary>A vault key as deployed: every property evaluated with the mode's parameters, not read as Bicep text.</summary>
    public sealed record DeployedKey(string Name, string? Kty, string? Curve, long? Size, string Ops, bool? Exportable);

    public static TheoryData<string, string> ModesAndAlgorithms()
    {
        var data = new TheoryData<string, string>();
        foreach (var mode in CompiledInfra.SigningModes)
        {
            data.Add(mode, "ES256");
            data.Add(mode, "RS256");
        }

        return data;
    }

    /// <summary>
    /// The compiled ARM JSON evaluated for each signing mode and algorithm: KeyVault makes the signing key of the
    /// algorithm (EC P-256 for ES256, RSA 2048 for RS256) and a second key of the other algorithm, so ID tokens can be
    /// RS256; KeyVaultWrapped makes only an RSA 2048 key that wraps; Local makes none. None is exportable.
    /// </summary>
    [Theory]
    [MemberData(nameof(ModesAndAlgorithms))]
    public void EachModeAndAlgorithm_DeploysExactlyTheKeysItUses(string mode, string algorithm)
    {
        var keys = infra.For(mode, new Dictionary<string, string> { ["signingAlgorithm"] = algorithm })
            .DeployedOfType("Microsoft.KeyVault/vaults/keys").Select(Evaluate).OrderBy(k => k.Name, StringComparer.Ordinal).ToList();

        var ec = (Kty: "EC", Curve: "P-256", Size: (long?)null);
        var rsa = (Kty: "RSA", Curve: (string?)null, Size: (long?)2048);
        var (first, second) = algorithm == "ES256" ? (ec, rsa) : (rsa, ec);
        DeployedKey[] expected = mode switch
        {
            "KeyVault" =>
            [
                new("vault/oauth-signing", first.Kty, first.Curve, first.Size, "sign verify", false),
                new("vault/oauth-signing-second", second.Kty, second.Curve, second.Size, "sign verify", false),
            ],
            "KeyVaultWrapped" => [new("vault/oauth-wrapping", "RSA", null, 2048, "wrapKey unwrapKey", false)],
            _ => [],
        };
        Assert.Equal(expected, keys);
    }

    private static DeployedKey Evaluate(ArmResource key)
    {
        // The vault's own name is computed from a hash of the deployment; it is not what this test is about.
        JsonNode? Parameter(string name) => name == "name" ? JsonValue.Create("vault") : key.Scope.Parameter(name);
        JsonNode? Value(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var text) ? ArmExpression.Evaluate(text, Parameter) : node;
        var properties = key.Properties;
        return new DeployedKey(
            (string)Value(key.Json["name"])!,
            (string?)Value(properties["kty"]),
            (string?)Value(properties["curveName"]),
            Value(properties["keySize"]) is JsonValue size ? size.GetValue<long>() : null,
            string.Join(' ', properties["keyOps"]!.AsArray().Select(n => (string)n!)),
            (bool?)properties["attributes"]?["exportable"]);
    }

    [Fact]
    public void LocalMode_CreatesNoKeyButStillTheVault()
    {
        var template = infra.For("Local");

        Assert.Empty(template.DeployedOfType("Microsoft.KeyVault/vaults/keys"));
        Assert.Single(template.DeployedOfType("Microsoft.KeyVault/vaults"));
    }

    [Fact]
    public void DefaultSigningMode_IsKeyVault_AndLocalIsOnlyAnExplicitChoice()
    {
        var signingMode = infra.Template["parameters"]!["signingMode"]!;

        Assert.Equal("KeyVault", (string?)signingMode["defaultValue"]);
        Assert.Equal(["KeyVault", "KeyVaultWrapped", "Local"], signingMode["allowedValues"]!.AsArray().Select(n => (string)n!));
        Assert.Contains("NOT for production", (string?)signingMode["metadata"]?["description"], StringComparison.Ordinal);
    }
}
