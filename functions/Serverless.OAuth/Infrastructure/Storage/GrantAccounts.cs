using System.Globalization;
using Azure.Core;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// The storage accounts that hold grant families: the grants table (codes, refresh tokens) and the revocations table
/// (access tokens revoked, by family), each with its own expiry index and purge. Account 0 is the main account (every
/// other table); <see cref="StorageOptions.GrantAccounts"/> adds more. A new family goes to an account chosen by a hash
/// of its random id, and that account is written into the id: "{id}-g{n}" for the n-th added account, the plain id for
/// the main one. So a family's rows are always in one account, and adding an account later moves nothing: the account
/// of an existing family is read from its id (in every code, refresh token and access token jti), never derived again
/// from a hash over the new count. The list is therefore append-only: an account removed or moved in the list would
/// orphan the families written to it.
/// </summary>
public sealed class GrantAccounts
{
    private const string Marker = "-g";

    /// <summary>The length of <see cref="SecretValues.NewId"/>: a family id of the main account.</summary>
    private static readonly int PlainIdLength = SecretValues.NewId().Length;

    private readonly IReadOnlyList<GrantAccount> _accounts;

    public GrantAccounts(IReadOnlyList<GrantAccount> accounts)
    {
        if (accounts.Count is < 1 or > MaxAccounts)
        {
            throw new ArgumentOutOfRangeException(nameof(accounts), accounts.Count, $"Grant families need 1 to {MaxAccounts} storage accounts.");
        }

        _accounts = accounts;
    }

    /// <summary>The main account and one per endpoint in <see cref="StorageOptions.GrantAccounts"/>, with the same table prefix.</summary>
    public static GrantAccounts From(OAuthTables main, ExpiryIndex mainIndex, StorageOptions options, TokenCredential? credential)
    {
        var accounts = new List<GrantAccount> { new(main, mainIndex) };
        foreach (var endpoint in options.GrantAccounts.Where(e => !string.IsNullOrWhiteSpace(e)))
        {
            var isConnectionString = endpoint.Contains('=', StringComparison.Ordinal);
            var tables = new OAuthTables(
                new StorageOptions
                {
                    ConnectionString = isConnectionString ? endpoint : null,
                    TableServiceUri = isConnectionString ? null : new Uri(endpoint),
                    TablePrefix = options.TablePrefix,
                },
                isConnectionString ? null : credential,
                names: OAuthTables.GrantAccountTables);
            accounts.Add(new GrantAccount(tables, new ExpiryIndex(tables, options.ExpiryIndexShards)));
        }

        return new GrantAccounts(accounts);
    }

    /// <summary>At most the main account and 99 more: the account number is written with at most two digits.</summary>
    public const int MaxAccounts = StorageOptions.MaxGrantAccounts;

    public int Count => _accounts.Count;

    public IReadOnlyList<GrantAccount> All => _accounts;

    /// <summary>A new family's id, with the account it lives in written into it.</summary>
    public string NewFamilyId()
    {
        var id = SecretValues.NewId();
        var account = _accounts.Count == 1 ? 0 : ExpiryIndex.Shard(id, _accounts.Count);
        return account == 0 ? id : id + Marker + account.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The account of a family (or of any other partition in these tables): the one its id names, the main account for
    /// a plain id, one made before more accounts were added, or one naming an account this server does not have (an
    /// unknown value then, as a forged one is: it is not found).
    /// </summary>
    public GrantAccount Of(string familyId) => _accounts[IndexOf(familyId)];

    public int IndexOf(string familyId)
    {
        if (familyId.Length <= PlainIdLength + Marker.Length
            || string.CompareOrdinal(familyId, PlainIdLength, Marker, 0, Marker.Length) != 0
            || !int.TryParse(familyId.AsSpan(PlainIdLength + Marker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var account))
        {
            return 0;
        }

        return account < _accounts.Count ? account : 0;
    }
}

/// <summary>One account's tables and its expiry index.</summary>
public sealed record GrantAccount(OAuthTables Tables, ExpiryIndex Index);
