using System.Text.Json;
using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.IntegrationTests;

/// <summary>
/// After a full flow, every table is dumped: no raw code, refresh token, access token, session cookie, client secret,
/// pushed request_uri or password is in it.
/// </summary>
public sealed class SecretsAtRestTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";

    [Fact]
    public async Task NoRawSecretIsStoredAnywhere()
    {
        var cookies = new System.Net.CookieContainer();
        var flow = new OAuthFlow(OAuthFlow.Browser(Server.BaseAddress, cookies));
        var user = await Server.AddUserAsync();
        var publicClient = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var (confidential, clientSecret) = await Server.AddConfidentialClientAsync();
        var secrets = new List<string> { LocalServer.Password, clientSecret };

        // The authorization code flow, a refresh, a reuse within the grace window, client credentials, a lockout.
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(publicClient.ClientId, Redirect, user.Username, challenge);
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", publicClient.ClientId), ("code_verifier", verifier)]));
        var (refreshedAccess, successor, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", publicClient.ClientId)]));
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", publicClient.ClientId)]));
        var (clientToken, _, _) = await TokenSupport.ReadTokenResponseAsync(
            await flow.PostTokenAsync([("grant_type", "client_credentials")], (confidential.ClientId, clientSecret)));
        await flow.PostFormAsync("revoke", [("token", clientToken)], (confidential.ClientId, clientSecret));
        var unusedCode = await flow.GetCodeAsync(publicClient.ClientId, Redirect, user.Username, challenge);
        await flow.SignInAsync(OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", publicClient.ClientId), ("redirect_uri", Redirect),
            ("code_challenge", challenge), ("code_challenge_method", "S256"), ("prompt", "login")), user.Username, "a wrong password");
        // A pushed request (RFC 9126), with the secret in the form: neither the secret nor the request_uri is stored.
        var pushed = await OAuthFlow.JsonAsync(await flow.PostFormAsync("par", [("response_type", "code"), ("client_id", confidential.ClientId),
            ("client_secret", clientSecret), ("redirect_uri", "https://app.example.com/callback"), ("scope", "read")]));
        var requestUri = pushed.GetProperty("request_uri").GetString()!;
        secrets.AddRange([requestUri, requestUri.Split(':')[^1]]);
        var session = cookies.GetCookies(Server.BaseAddress)[Serverless.OAuth.Http.EndpointHttpResult.SessionCookieName]!.Value;
        secrets.AddRange([code, unusedCode, refreshToken!, successor!, accessToken, refreshedAccess, clientToken, verifier]);

        // The device flow (RFC 8628), approved in this browser: its device code and user code are stored as hashes only.
        var deviceClient = await Server.AddPublicClientAsync(grants: [Serverless.OAuth.Protocol.GrantTypes.DeviceCode, Serverless.OAuth.Protocol.GrantTypes.RefreshToken]);
        var device = await OAuthFlow.JsonAsync(await flow.PostFormAsync("device_authorization", [("client_id", deviceClient.ClientId), ("scope", "read offline_access")]));
        var deviceCode = device.GetProperty("device_code").GetString()!;
        var userCode = device.GetProperty("user_code").GetString()!;
        var codePage = await (await flow.Http.GetAsync("device")).Content.ReadAsStringAsync();
        var consentPage = await (await flow.PostFormAsync("device", [("csrf_token", OAuthFlow.CsrfToken(codePage)), ("user_code", userCode)])).Content.ReadAsStringAsync();
        await flow.PostFormAsync("device", [("csrf_token", OAuthFlow.CsrfToken(consentPage)), ("user_code", userCode), ("decision", "allow")]);
        var (deviceAccess, deviceRefresh, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", Serverless.OAuth.Protocol.GrantTypes.DeviceCode), ("device_code", deviceCode), ("client_id", deviceClient.ClientId)]));
        secrets.AddRange([deviceCode, deviceCode.Split('.')[1], userCode, userCode.Replace("-", ""), deviceAccess, deviceRefresh!]);
        secrets.Add(session);
        secrets.AddRange(new[] { code, unusedCode, refreshToken!, successor!, session }.Select(v => v.Split('.')[1])); // the secret halves alone

        var dump = await DumpAllTablesAsync();

        Assert.True(dump.Count > 10, "the dump should hold the flow's rows");
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(dump, row => row.Contains(secret, StringComparison.Ordinal));
        }
    }

    private async Task<List<string>> DumpAllTablesAsync()
    {
        var options = Server.Get<OAuthServerOptions>();
        var service = new TableServiceClient(options.Storage.ConnectionString);
        var rows = new List<string>();
        foreach (var name in OAuthTables.All)
        {
            await foreach (var entity in service.GetTableClient(options.Storage.TablePrefix + name).QueryAsync<TableEntity>())
            {
                rows.Add(name + " " + JsonSerializer.Serialize(entity.ToDictionary(p => p.Key, p => p.Value?.ToString())));
            }
        }

        return rows;
    }
}
