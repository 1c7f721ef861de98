using Microsoft.Extensions.Logging;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4-3.5): the device polls with its device code.
/// While the user has not answered: authorization_pending, or slow_down when it polls sooner than its interval after
/// the last poll of any instance (the poll time is in the row, written conditionally on its ETag, and each slow_down
/// adds 5 s to the interval); expired_token after the lifetime; access_denied when the user denied. An approval is
/// redeemed once across instances: the row moves from approved to redeemed conditionally on its ETag, and only the
/// poll that made that move gets tokens; any other gets invalid_grant. The tokens are the code grant's: the winner
/// writes an authorization code for what the user approved (in a family of its own, recorded under the user's consent
/// as <c>CodeIssuance</c> does) and redeems it at once through <see cref="AuthorizationCodeGrant"/>, so refresh and ID
/// tokens, the consent and revocation follow the same rules.
/// </summary>
public sealed class DeviceCodeGrant(
    DeviceAuthorizationStore devices,
    IGrantStore grants,
    IConsentStore consents,
    AuthorizationCodeGrant authorizationCode,
    OAuthServerOptions options,
    TimeProvider clock,
    ILogger<DeviceCodeGrant> logger)
{
    /// <summary>The redirect URI the device grant's internal code is bound to: no browser is ever sent there.</summary>
    public const string InternalRedirectUri = GrantTypes.DeviceCode;

    /// <summary>What RFC 8628 §3.5 adds to the interval on each slow_down.</summary>
    public const int SlowDownSeconds = 5;

    public async Task<OAuthResult<TokenResponse>> IssueAsync(OAuthClient client, OAuthParameters form, string? dpopJkt, CancellationToken cancellationToken)
    {
        if (form["device_code"] is not { } deviceCode)
        {
            return OAuthError.InvalidRequest("The 'device_code' parameter is missing.");
        }

        // Twice at most: a poll that lost a race with another instance (a poll, or the user's answer) reads again.
        for (var attempt = 0; ; attempt++)
        {
            var row = await devices.FindByDeviceCodeAsync(deviceCode, cancellationToken);
            if (row is null || row.ClientId != client.ClientId)
            {
                return OAuthError.InvalidGrant("The device code is invalid.");
            }

            if (row.Status == DeviceAuthorizationStatus.Redeemed)
            {
                return OAuthError.InvalidGrant("The device code was already used.");
            }

            if (!devices.IsLive(row))
            {
                return OAuthError.ExpiredToken("The device code expired; start again.");
            }

            if (row.Status == DeviceAuthorizationStatus.Denied)
            {
                return OAuthError.AccessDenied("The user denied the request.");
            }

            var now = clock.GetUtcNow();
            var pollTooSoon = row.LastPolledAt is { } last && now - last < TimeSpan.FromSeconds(row.IntervalSeconds);
            row.LastPolledAt = now;
            if (row.Status == DeviceAuthorizationStatus.Approved)
            {
                row.Status = DeviceAuthorizationStatus.Redeemed;
                if (await devices.TryReplaceAsync(row, cancellationToken))
                {
                    return await RedeemOrGiveBackAsync(client, row, form, dpopJkt, cancellationToken);
                }
            }
            else
            {
                if (pollTooSoon)
                {
                    row.IntervalSeconds += SlowDownSeconds;
                }

                if (await devices.TryReplaceAsync(row, cancellationToken) || (attempt > 0 && pollTooSoon))
                {
                    if (pollTooSoon)
                    {
                        DeviceEvents.SlowDown(logger, client.ClientId);
                        return OAuthError.SlowDown($"Poll at most every {row.IntervalSeconds} seconds.");
                    }

                    return OAuthError.AuthorizationPending("The user has not answered yet.");
                }
            }

            if (attempt > 0)
            {
                // Changed twice under us: others are polling this code at the same moment.
                return OAuthError.SlowDown("Poll less often.");
            }
        }
    }

    /// <summary>
    /// Redeems the approval this poll won. When no tokens come of it (the storage failed on the way, or the poll's own
    /// resource was refused), the approval is given back, conditionally on the ETag this poll wrote, so the device's
    /// next poll gets its tokens instead of invalid_grant: a user's approval is not lost to a failure the device did
    /// not cause. A code and a family written on the way reach no one and expire.
    /// </summary>
    private async Task<OAuthResult<TokenResponse>> RedeemOrGiveBackAsync(
        OAuthClient client, DeviceCodeEntity row, OAuthParameters form, string? dpopJkt, CancellationToken cancellationToken)
    {
        OAuthResult<TokenResponse> issued;
        try
        {
            issued = await RedeemAsync(client, row, form, dpopJkt, cancellationToken);
        }
        catch
        {
            await GiveBackAsync(row);
            throw;
        }

        if (!issued.Succeeded)
        {
            await GiveBackAsync(row);
        }

        return issued;
    }

    private async Task GiveBackAsync(DeviceCodeEntity row)
    {
        row.Status = DeviceAuthorizationStatus.Approved;
        try
        {
            // Not the request's token: the request may be failing because it was cancelled, and the approval should
            // still go back.
            await devices.TryReplaceAsync(row, CancellationToken.None);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or DependencyUnavailableException)
        {
            DeviceEvents.ApprovalNotGivenBack(logger, row.ClientId);
        }
    }

    private async Task<OAuthResult<TokenResponse>> RedeemAsync(OAuthClient client, DeviceCodeEntity row, OAuthParameters form, string? dpopJkt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var subject = row.Subject!;
        var code = await grants.CreateCodeAsync(
            new CodeGrant
            {
                ClientId = row.ClientId,
                RedirectUri = InternalRedirectUri,
                Scope = row.Scope,
                Resources = row.Resources,
                Subject = subject,
                AuthTime = row.AuthTime ?? now,
                AuthenticationMethods = row.AuthenticationMethods,
                SessionId = row.SessionId,
            },
            now + options.AuthorizationCodeLifetime,
            cancellationToken);

        // Recorded before any token leaves, as CodeIssuance does: withdrawing the consent revokes this family.
        SecretValues.TrySplit(code, out var familyId, out _);
        var previous = row.ConsentAsked ? await consents.FindAsync(subject, row.ClientId, cancellationToken) : null;
        await consents.RecordAsync(
            subject, row.ClientId, familyId, row.ConsentAsked ? ScopeSet.Parse(row.Scope) ?? ScopeSet.Empty : null, previous, cancellationToken);

        var exchange = OAuthParameters.From(
            [("code", code), ("redirect_uri", InternalRedirectUri), .. form.All("resource").Select(r => ("resource", (string?)r))]);
        var issued = await authorizationCode.ExchangeAsync(client, exchange, dpopJkt, cancellationToken);
        if (issued.Succeeded)
        {
            DeviceEvents.Redeemed(logger, client.ClientId, subject);
        }

        return issued;
    }
}
