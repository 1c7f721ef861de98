using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

[Collection(CompiledInfraCollection.Name)]
public sealed class SecretTests(CompiledInfra infra)
{
    [Fact]
    public void CompiledTemplate_HasNoKeysConnectionSecretsOrSasTokens()
    {
        var findings = SecretScanner.ScanText(infra.TemplateText);

        Assert.True(findings.Count == 0, string.Join('\n', findings));
    }

    [Fact]
    public void BicepSources_HaveNoKeysConnectionSecretsOrSasTokens()
    {
        var findings = Directory.EnumerateFiles(CompiledInfra.InfraDirectory, "*.bicep*", SearchOption.AllDirectories)
            .SelectMany(file => SecretScanner.ScanText(File.ReadAllText(file)).Select(f => $"{Path.GetFileName(file)}: {f}"))
            .ToList();

        Assert.True(findings.Count == 0, string.Join('\n', findings));
    }

    [Fact]
    public void CompiledTemplate_HasNoSecureOutputsAndNoSecureParameters()
    {
        Assert.Empty(SecretScanner.SecureOutputs(infra.Template));
        var secureParameters = ((JsonObject)infra.Template["parameters"]!)
            .Where(p => ((string?)p.Value?["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true)
            .Select(p => p.Key);
        Assert.Empty(secureParameters);
    }

    [Theory]
    [InlineData("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2023-05-01').keys[0].value]")]
    [InlineData("storage.listKeys().keys[0].value")]
    [InlineData("[listAccountSas(parameters('name'), '2023-05-01', variables('sas')).accountSasToken]")]
    [InlineData("[listSecrets(resourceId('Microsoft.Web/sites/functions', 'a', 'b'), '2022-03-01').key]")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=st;AccountKey=abc==;EndpointSuffix=core.windows.net")]
    [InlineData("BlobEndpoint=https://st.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=abc")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=abc=")]
    [InlineData("https://st.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=abc")]
    [InlineData("UseDevelopmentStorage=true")]
    public void Scanner_FindsAPlantedSecret(string planted)
    {
        var clean = infra.TemplateText;
        var dirty = clean.Insert(clean.Length / 2, planted);

        Assert.NotEmpty(SecretScanner.ScanText(dirty));
    }

    [Fact]
    public void Scanner_IgnoresWordsThatMerelyContainList()
    {
        Assert.Empty(SecretScanner.ScanText("allowlist(x) and playlist (y) and a listing"));
    }

    [Fact]
    public void Scanner_FindsASecureOutputInAModule()
    {
        var template = (JsonObject)infra.Template.DeepClone();
        var module = ArmTemplate.ResourcesOf(template).First(r => (string?)r["type"] == "Microsoft.Resources/deployments");
        var inner = (JsonObject)module["properties"]!["template"]!;
        inner["outputs"] ??= new JsonObject();
        ((JsonObject)inner["outputs"]!)["leak"] = new JsonObject { ["type"] = "securestring", ["value"] = "x" };

        Assert.NotEmpty(SecretScanner.SecureOutputs(template));
    }
}
