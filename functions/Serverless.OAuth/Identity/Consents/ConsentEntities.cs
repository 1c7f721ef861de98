using System.Text;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Identity.Consents;

/// <summary>
/// What a user allowed a client (row "c:{client}" in the user's partition), remembered until it expires. Scope names
/// are unique across APIs, so the scopes also say which APIs were allowed; a resource indicator column can be added
/// beside <see cref="Scope"/> without changing the row's key.
/// </summary>
public sealed class ConsentEntity : ExpiringEntity
{
    public const string RowPrefix = "c:";

    public string ClientId { get; set; } = "";

    public string Scope { get; set; } = "";

    public DateTimeOffset GrantedAt { get; set; }

    public static string RowKeyFor(string clientId) => RowPrefix + ConsentKeys.Encode(clientId);
}

/// <summary>
/// A grant family issued to a client for the user (row "f:{client}:{family}"), so that withdrawing the consent can
/// revoke its refresh tokens and access tokens: the grants table is keyed by family, not by user. Lives as long as
/// anything issued in the family could.
/// </summary>
public sealed class ConsentFamilyEntity : ExpiringEntity
{
    public const string RowPrefix = "f:";

    public string FamilyId { get; set; } = "";

    public static string RowKeyPrefix(string clientId) => RowPrefix + ConsentKeys.Encode(clientId) + ":";
}

internal static class ConsentKeys
{
    /// <summary>Client ids may be URLs (client metadata documents), and '/', '?' and '#' are not allowed in table keys.</summary>
    public static string Encode(string clientId) => Base64Url.Encode(Encoding.UTF8.GetBytes(clientId));

    /// <summary>The first key after every key starting with <paramref name="prefix"/>, for a range query.</summary>
    public static string After(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);
}
