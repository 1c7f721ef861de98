using Microsoft.Extensions.Logging;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// Revokes an authorization's family: every refresh token that can still be used, and every access token issued in
/// it so far (one marker row the resource checks). Used on code replay, refresh token reuse and RFC 7009 revocation;
/// each is an audit event.
/// </summary>
public sealed class FamilyRevocation(
    IGrantStore grants, IRevocationStore revocations, IApiStore apis, OAuthServerOptions options, TimeProvider clock, ILogger<FamilyRevocation> logger)
{
    public async Task RevokeAsync(string familyId, FamilyRevocationReason reason, CancellationToken cancellationToken = default)
    {
        // Access tokens first: if the second step fails, the family is at worst over-revoked, never under-revoked. The
        // marker outlives the longest-lived token any API's life allows, since the family's tokens may be for any of them.
        var longest = (await apis.GetCatalogAsync(cancellationToken)).LongestAccessTokenLifetime(options.AccessTokenLifetime);
        await revocations.RevokePartitionAsync(familyId, clock.GetUtcNow() + longest, cancellationToken);
        await grants.RevokeFamilyAsync(familyId, cancellationToken);
        AuditEvents.FamilyRevoked(logger, familyId, reason);
    }
}
