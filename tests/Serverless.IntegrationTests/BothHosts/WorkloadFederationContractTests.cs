using System.Net;
using System.Net.Security;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// Workload identity federation, asked of both hosts: a client with no secret anywhere, trusted to be whoever an
/// external issuer's token says (oidc-provider from npm over HTTPS: discovery, JWKS, a JWT access token by client
/// credentials for this server's audience), authenticates with that token as its client_assertion. A token of another
/// subject, for another audience, forged, unsigned or expired is invalid_client and writes nothing.
/// </summary>
public abstract class WorkloadFederationContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : WorkloadFederationFixture
{
    private IOAuthTestServer Server => fixture.Server;

    private WorkloadIssuer Issuer => fixture.Issuer;

    [Fact]
    public async Task AWorkloadToken_FromTheTrustedIssuer_GetsAnAccessToken_ForAClientWithNoSecret()
    {
        var client = await Server.AddAssertionClientAsync(federated: [new FederatedCredential(Issuer.Issuer, WorkloadIssuer.WorkloadId)]);
        Assert.Null(client.SecretHash);
        var flow = new OAuthFlow(Server);
        var workloadToken = await Issuer.TokenAsync(Server.Issuer);

        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(
            workloadToken, ("client_id", client.ClientId), ("grant_type", "client_credentials"), ("scope", "read"))));

        var jwt = await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, Server.Issuer, Server.Issuer + "/resource");
        Assert.Equal(client.ClientId, jwt.Subject);

        // The platform reuses its token for the token's life (a managed identity's is cached): not single-use.
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(
            workloadToken, ("client_id", client.ClientId), ("grant_type", "client_credentials"))));
    }

    [Fact]
    public async Task WorkloadTokens_OfAnotherSubject_ForAnotherAudience_Forged_Unsigned_OrExpired_AreInvalidClient()
    {
        var client = await Server.AddAssertionClientAsync(federated: [new FederatedCredential(Issuer.Issuer, WorkloadIssuer.WorkloadId)]);
        var flow = new OAuthFlow(Server);
        var good = await Issuer.TokenAsync(Server.Issuer);
        var shortLived = await Issuer.TokenAsync(Server.Issuer, scope: "short");
        var parts = good.Split('.');
        var claims = ClientKey.ClaimsOf(good);
        claims["sub"] = WorkloadIssuer.OtherWorkloadId;
        var rowsBefore = await Server.CountReplayRowsAsync();

        await Server.PassTimeAsync(TimeSpan.FromSeconds(3));
        var refused = new Dictionary<string, string>
        {
            ["another subject"] = await Issuer.TokenAsync(Server.Issuer, WorkloadIssuer.OtherWorkloadId),
            ["another audience"] = await Issuer.TokenAsync("https://api.example.com/"),
            ["forged (claims changed, signature kept)"] = parts[0] + "." + Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(claims)) + "." + parts[2],
            ["alg none"] = ClientKey.Unsigned(ClientKey.ClaimsOf(good)),
            ["expired"] = shortLived,
        };
        foreach (var (why, assertion) in refused)
        {
            var response = await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(assertion, ("client_id", client.ClientId), ("grant_type", "client_credentials")));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, OAuthErrorCodes.InvalidClient);
        }

        // A client that trusts no issuer is not authenticated by one's token.
        var (unrelated, _) = await Server.AddConfidentialClientAsync();
        await OAuthFlow.AssertOAuthErrorAsync(await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(
            await Issuer.TokenAsync(Server.Issuer), ("client_id", unrelated.ClientId), ("grant_type", "client_credentials"))), HttpStatusCode.Unauthorized, OAuthErrorCodes.InvalidClient);

        Assert.Equal(rowsBefore, await Server.CountReplayRowsAsync());
    }

    [Fact]
    public async Task JwtBearerGrant_AnAssertionOfTheTrustedIdP_GetsATokenForItsSubject_Once()
    {
        // The IdP's assertion names the client it is for (client_id, as the identity assertion grant does): here the
        // id the test IdP gives its own client, registered on this server too.
        const string Secret = "jwt-bearer-client-secret";
        var client = new OAuthClient
        {
            ClientId = WorkloadIssuer.WorkloadId,
            Name = "Enterprise App",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(Secret),
            AllowedScopes = ["read"],
            AllowedGrantTypes = [GrantTypes.JwtBearer],
        };
        Assert.True(await Server.Services.GetRequiredService<IClientStore>().AddAsync(client));
        var secret = Secret;
        var flow = new OAuthFlow(Server);
        var assertion = await Issuer.TokenAsync(Server.Issuer, scope: "read");
        (string, string)[] Grant(string jwt) => [("grant_type", GrantTypes.JwtBearer), ("assertion", jwt), ("scope", "read")];

        var (accessToken, _, body) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Grant(assertion), (client.ClientId, secret)));
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, Server.Issuer, Server.Issuer + "/resource");
        Assert.Equal(WorkloadIssuer.WorkloadId, jwt.Subject);
        Assert.Equal(client.ClientId, jwt.GetClaim("client_id").Value);
        Assert.Equal("read", body.GetProperty("scope").GetString());
        var rowsAfterUse = await Server.CountReplayRowsAsync();

        using var stranger = new ClientKey();
        var refused = new Dictionary<string, string>
        {
            ["replayed"] = assertion,
            ["another audience"] = await Issuer.TokenAsync("https://api.example.com/", scope: "read"),
            ["an issuer not trusted"] = stranger.Assertion("someone", Server.Issuer, c => c["iss"] = "https://idp.example.com"),
            ["alg none"] = ClientKey.Unsigned(ClientKey.ClaimsOf(await Issuer.TokenAsync(Server.Issuer, scope: "read"))),
        };
        var (other, otherSecret) = await Server.AddConfidentialClientAsync(grants: [GrantTypes.JwtBearer]);
        await OAuthFlow.AssertOAuthErrorAsync(await flow.PostTokenAsync(Grant(await Issuer.TokenAsync(Server.Issuer, scope: "read")), (other.ClientId, otherSecret)),
            HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidGrant);
        foreach (var (why, bad) in refused)
        {
            var response = await flow.PostTokenAsync(Grant(bad), (client.ClientId, secret));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidGrant);
        }

        Assert.Equal(rowsAfterUse, await Server.CountReplayRowsAsync());
    }
}

/// <summary>The oidc-provider issuer, and a server that trusts its certificate; assertion clocks within one second.</summary>
public abstract class WorkloadFederationFixture(Func<WorkloadIssuer, Task<IOAuthTestServer>> start) : IAsyncLifetime
{
    /// <summary>Assertion clocks within one second; the issuer trusted for the JWT-bearer grant too.</summary>
    public static Dictionary<string, string?> Settings(WorkloadIssuer issuer) => new()
    {
        ["OAuth:ClientAssertions:ClockSkew"] = "00:00:01",
        ["OAuth:JwtBearer:Issuers:0:Issuer"] = issuer.Issuer,
    };

    public WorkloadIssuer Issuer { get; private set; } = null!;

    public IOAuthTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Issuer = await WorkloadIssuer.StartAsync();
        Server = await start(Issuer);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Issuer is not null)
        {
            await Issuer.DisposeAsync();
        }
    }
}

public sealed class WorkloadFederationLocalHostFixture() : WorkloadFederationFixture(async issuer => await LocalServer.StartAsync(
    Settings(issuer), services: s => HttpsTestServer.TrustFromTheFetcher(s, issuer.TrustsThisCertificate), clock: ManualClock.Running()));

public sealed class WorkloadFederationFunctionsWorkerFixture() : WorkloadFederationFixture(async issuer => await FunctionsWorkerServer.StartAsync(
    new(Settings(issuer)) { ["SSL_CERT_FILE"] = issuer.CertificateFile }));

public sealed class LocalHostWorkloadFederationTests(WorkloadFederationLocalHostFixture fixture)
    : WorkloadFederationContractTests<WorkloadFederationLocalHostFixture>(fixture);

public sealed class FunctionsWorkerWorkloadFederationTests(WorkloadFederationFunctionsWorkerFixture fixture)
    : WorkloadFederationContractTests<WorkloadFederationFunctionsWorkerFixture>(fixture);
