using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.IntegrationTests.BothHosts;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests;

/// <summary>
/// A device's poll that wins the user's approval and then fails in storage before any token leaves: the device gets
/// 503 temporarily_unavailable, and its next poll gets the tokens, not invalid_grant. Local host only: the failure is
/// a store that fails once on purpose, put into the server's services, which the worker's separate process cannot
/// take; the rest of the device grant runs on both hosts (DeviceFlowContractTests).
/// </summary>
public sealed class DeviceRedemptionFailureTests : LocalServerTest
{
    /// <summary>The real consent store, whose next record fails as an unreachable storage account does.</summary>
    private sealed class FailingOnceConsents(IConsentStore inner) : IConsentStore
    {
        public int FailuresLeft;

        public Task RecordAsync(string subject, string clientId, string familyId, ScopeSet? allowedNow, Consent? previous, CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref FailuresLeft) >= 0
                ? throw new DependencyUnavailableException("Table Storage")
                : inner.RecordAsync(subject, clientId, familyId, allowedNow, previous, cancellationToken);

        public Task<Consent?> FindAsync(string subject, string clientId, CancellationToken cancellationToken) => inner.FindAsync(subject, clientId, cancellationToken);

        public Task<IReadOnlyList<Consent>> ListAsync(string subject, CancellationToken cancellationToken) => inner.ListAsync(subject, cancellationToken);

        public Task<IReadOnlyList<ConsentFamilyEntity>> FamiliesAsync(string subject, string clientId, CancellationToken cancellationToken) =>
            inner.FamiliesAsync(subject, clientId, cancellationToken);

        public Task DeleteAsync(string subject, string rowKey, CancellationToken cancellationToken) => inner.DeleteAsync(subject, rowKey, cancellationToken);
    }

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(services: services =>
        services.AddSingleton<IConsentStore>(sp => new FailingOnceConsents(ActivatorUtilities.CreateInstance<ConsentStore>(sp))));

    [Fact]
    public async Task ARedemptionThatFailsInStorage_Is503_AndTheNextPollGetsTheTokens()
    {
        var client = await Server.AddPublicClientAsync(grants: [GrantTypes.DeviceCode, GrantTypes.RefreshToken]);
        var user = await Server.AddUserAsync();
        var device = new OAuthFlow(Server);
        var started = await DeviceFlowContractTests<LocalHostFixture>.StartAsync(device, client.ClientId);
        await DeviceFlowContractTests<LocalHostFixture>.AnswerAsync(new OAuthFlow(Server), started, user.Username, "allow");
        var consents = (FailingOnceConsents)Server.Get<IConsentStore>();

        consents.FailuresLeft = 1;
        var failed = await DeviceFlowContractTests<LocalHostFixture>.PollAsync(device, client.ClientId, started);
        await OAuthFlow.AssertOAuthErrorAsync(failed, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");

        // Polled again after its interval: the approval is still there, and redeemed once.
        await Server.PassTimeAsync(TimeSpan.FromSeconds(started.GetProperty("interval").GetInt32() + 1));
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(
            await DeviceFlowContractTests<LocalHostFixture>.PollAsync(device, client.ClientId, started));
        Assert.NotNull(refreshToken);
        Assert.Equal(HttpStatusCode.OK, (await device.GetResourceAsync(accessToken)).StatusCode);

        await Server.PassTimeAsync(TimeSpan.FromSeconds(started.GetProperty("interval").GetInt32() + 1));
        await OAuthFlow.AssertOAuthErrorAsync(
            await DeviceFlowContractTests<LocalHostFixture>.PollAsync(device, client.ClientId, started), HttpStatusCode.BadRequest, "invalid_grant");
    }
}
