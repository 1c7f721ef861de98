using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

public sealed class ArmExpressionTests
{
    private static JsonNode? Parameter(string name) => name switch
    {
        "signingMode" => JsonValue.Create("KeyVaultWrapped"),
        "principalId" => JsonValue.Create(""),
        _ => throw new KeyNotFoundException(name),
    };

    [Theory]
    [InlineData("[equals(parameters('signingMode'), 'KeyVaultWrapped')]", true)]
    [InlineData("[equals(parameters('signingMode'), 'KeyVault')]", false)]
    [InlineData("[not(empty(parameters('principalId')))]", false)]
    [InlineData("[or(empty(parameters('principalId')), false)]", true)]
    [InlineData("[and(equals(parameters('signingMode'), 'KeyVaultWrapped'), not(empty(parameters('principalId'))))]", false)]
    [InlineData("[equals('it''s', 'it''s')]", true)]
    public void Conditions_Evaluate(string condition, bool expected)
    {
        Assert.Equal(expected, ArmExpression.EvaluateCondition(JsonValue.Create(condition), Parameter));
    }

    [Theory]
    [InlineData("[contains(parameters('signingMode'), 'Key')]")]
    [InlineData("[reference('x').outputs.y.value]")]
    public void UnsupportedExpressions_Throw(string condition)
    {
        Assert.Throws<NotSupportedException>(() => ArmExpression.EvaluateCondition(JsonValue.Create(condition), Parameter));
    }

    [Fact]
    public void NestedModuleConditions_SeeTheValuesPassedFromOutside()
    {
        var template = (JsonObject)JsonNode.Parse("""
            {
              "parameters": { "mode": { "type": "string" } },
              "resources": [
                {
                  "type": "Microsoft.Resources/deployments", "name": "inner",
                  "properties": {
                    "parameters": { "m": { "value": "[parameters('mode')]" } },
                    "template": {
                      "parameters": { "m": { "type": "string" } },
                      "resources": [
                        { "type": "A/b", "name": "on", "condition": "[equals(parameters('m'), 'x')]" },
                        { "type": "A/b", "name": "off", "condition": "[equals(parameters('m'), 'y')]" }
                      ]
                    }
                  }
                }
              ]
            }
            """)!;

        var deployed = new ArmTemplate(template, new Dictionary<string, JsonNode?> { ["mode"] = JsonValue.Create("x") })
            .DeployedOfType("A/b").Select(r => r.Name);

        Assert.Equal(["on"], deployed);
    }
}
