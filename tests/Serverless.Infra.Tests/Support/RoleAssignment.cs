using System.Text.RegularExpressions;

namespace Serverless.Infra.Tests.Support;

/// <summary>A role assignment of the compiled template, its role GUID and scope resolved from the module's variables.</summary>
public sealed partial record RoleAssignment(string Module, string RoleId, string Scope, string PrincipalId, string? PrincipalType)
{
    // Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
    public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    public const string KeyVaultCryptoUser = "12338af0-0e69-4776-bea7-57ae8d297424";
    public const string KeyVaultCryptoOfficer = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    public static IReadOnlyList<RoleAssignment> In(ArmTemplate template) =>
        template.DeployedOfType("Microsoft.Authorization/roleAssignments").Select(From).ToList();

    private static RoleAssignment From(ArmResource resource)
    {
        var roleDefinitionId = resource.Scope.InlineVariables((string?)resource.Properties["roleDefinitionId"] ?? "");
        var guid = Guid().Match(roleDefinitionId);
        return new RoleAssignment(
            resource.Module,
            guid.Success ? guid.Value.ToLowerInvariant() : roleDefinitionId,
            resource.ExtensionScope ?? "(deployment scope)",
            (string?)resource.Properties["principalId"] ?? "",
            (string?)resource.Properties["principalType"]);
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();
}
