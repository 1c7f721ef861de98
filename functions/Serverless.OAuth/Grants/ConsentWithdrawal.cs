using Microsoft.Extensions.Logging;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Grants;

/// <summary>
/// The user takes back what they allowed a client: every grant family issued to it for them is revoked
/// (<see cref="FamilyRevocation"/>: its refresh tokens, and its access tokens for every check that reads the revocation
/// marker: introspection and the demo resource), then the consent itself is forgotten, so the next authorization asks
/// again. In that order: a failure half-way leaves the consent listed, for the user to withdraw again.
/// </summary>
public sealed class ConsentWithdrawal(IConsentStore consents, FamilyRevocation revocation, ILogger<ConsentWithdrawal> logger)
{
    public async Task WithdrawAsync(string subject, string clientId, CancellationToken cancellationToken)
    {
        var families = await consents.FamiliesAsync(subject, clientId, cancellationToken);
        foreach (var family in families)
        {
            await revocation.RevokeAsync(family.FamilyId, FamilyRevocationReason.RevokedByUser, cancellationToken);
            await consents.DeleteAsync(subject, family.RowKey, cancellationToken);
        }

        await consents.DeleteAsync(subject, ConsentEntity.RowKeyFor(clientId), cancellationToken);
        AuditEvents.ConsentWithdrawn(logger, clientId, subject, families.Count);
    }
}
