using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.IntegrationTests;

/// <summary>
/// The server's meter, spans and audit logs, exported through OpenTelemetry's in-memory exporter from a server on real
/// HTTP: a code flow, a refresh token reuse and a lockout each produce the measurements, spans and events an operator
/// relies on, and nothing exported carries a secret, token, code or password.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly List<LogRecord> _logs = [];

    protected override Task<LocalServer> StartServerAsync() =>
        LocalServer.StartAsync(
            new()
            {
                ["OAuth:Lockout:MaxFailures"] = "2",
                ["OAuth:RefreshTokenReuseGraceWindow"] = "00:00:05",
                // Behind one proxy, so the throttle test speaks from an address of its own (the others from 127.0.0.1).
                ["OAuth:ForwardedForHops"] = "1",
                ["OAuth:AddressLockout:MaxFailures"] = "8",
            },
            services: services =>
            {
                services.AddOpenTelemetry()
                    .WithTracing(tracing => tracing.AddSource(ServerTelemetry.Name, "Microsoft.AspNetCore").AddInMemoryExporter(_spans))
                    .WithMetrics(metrics => metrics.AddMeter(ServerTelemetry.Name).AddInMemoryExporter(_metrics))
                    .WithLogging(logging => logging.AddInMemoryExporter(_logs), options => options.IncludeFormattedMessage = true);
                services.PostConfigure<LoggerFilterOptions>(filters => filters.MinLevel = LogLevel.Information);
            });

    [Fact]
    public async Task ACodeFlow_CountsTokensSignInsAndConsent_AndTracesTheGrantInsideTheCallersTrace()
    {
        var user = await Server.AddUserAsync();
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge);
        var callersTrace = ActivityTraceId.CreateRandom();
        using var exchange = new HttpRequestMessage(HttpMethod.Post, "token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Redirect, ["client_id"] = client.ClientId, ["code_verifier"] = verifier,
            }),
        };
        exchange.Headers.Add("traceparent", $"00-{callersTrace}-{ActivitySpanId.CreateRandom()}-01");
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.Http.SendAsync(exchange));
        await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", client.ClientId)]));
        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostTokenAsync([("grant_type", "authorization_code"), ("code", "not-a-code"), ("redirect_uri", Redirect), ("client_id", client.ClientId)]),
            HttpStatusCode.BadRequest,
            "invalid_grant");

        var metrics = Flush();
        var audience = Server.Issuer + "/resource";
        Assert.Equal(1, metrics.Sum("oauth.tokens.issued", ("grant_type", "authorization_code"), ("api", audience)));
        Assert.Equal(1, metrics.Sum("oauth.tokens.issued", ("grant_type", "refresh_token"), ("api", audience)));
        Assert.Equal(1, metrics.Sum("oauth.sign_ins", ("result", "succeeded")));
        Assert.Equal(1, metrics.Sum("oauth.consents", ("decision", "granted")));
        Assert.Equal(1, metrics.Sum("oauth.errors", ("endpoint", "/token"), ("error", "invalid_grant")));
        Assert.Equal(2, metrics.Count("oauth.signing.duration", ("alg", "ES256"), ("mode", "Local")));
        Assert.True(metrics.Count("oauth.storage.duration", ("table", "grants"), ("method", "GET")) >= 2, "the code's and the refresh token's reads are timed");
        Assert.True(metrics.Count("oauth.storage.duration", ("table", "$batch"), ("status", "202")) >= 2, "the redemption's and the rotation's transactions are timed");

        // The first code grant's span is the exchange sent with the caller's traceparent (the failed one comes later):
        // chosen by name and order, not by trace, so that the trace is what is checked.
        var grant = _spans.First(s => s.DisplayName == "oauth.grant authorization_code");
        Assert.Equal(callersTrace, grant.TraceId);
        var endpoint = _spans.Single(s => s.SpanId == grant.ParentSpanId);
        Assert.Equal("oauth /token", endpoint.DisplayName);
        Assert.Contains(_spans, s => s.DisplayName == "oauth.sign" && s.TraceId == callersTrace);
        Assert.Contains(_spans, s => s.DisplayName.StartsWith("storage ", StringComparison.Ordinal) && s.TraceId == callersTrace
            && (string?)s.GetTagItem("oauth.storage.table") == "grants" && s.Kind == ActivityKind.Client);
        Assert.Equal("invalid_grant", _spans.Last(s => s.DisplayName == "oauth /token").GetTagItem("oauth.error"));

        Assert.Contains(_logs, l => l.EventId.Id == EventIds.SignInSucceeded && l.Attributes!.Any(a => a.Key == "Subject" && (string?)a.Value == user.Subject));
        Assert.Contains(_logs, l => l.EventId.Id == EventIds.ConsentGranted);
    }

    [Fact]
    public async Task ARefreshTokenReuse_IsCountedAsReuse_AndLogsTheRevokedFamily()
    {
        var user = await Server.AddUserAsync();
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge);
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));
        (string, string)[] refresh = [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", client.ClientId)];
        await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(refresh));

        Server.Clock.Advance(TimeSpan.FromSeconds(6));
        await OAuthFlow.AssertOAuthErrorAsync(await Flow.PostTokenAsync(refresh), HttpStatusCode.BadRequest, "invalid_grant");

        var metrics = Flush();
        Assert.Equal(1, metrics.Sum("oauth.refresh_token.reuse_detected"));
        Assert.Equal(1, metrics.Sum("oauth.grant_families.revoked", ("reason", "refresh_token_reuse")));
        var family = refreshToken!.Split('.')[0];
        var revoked = Assert.Single(_logs, l => l.EventId.Id == EventIds.FamilyRevokedForReuse);
        Assert.Equal(LogLevel.Warning, revoked.LogLevel);
        Assert.Contains(revoked.Attributes!, a => a.Key == "FamilyId" && (string?)a.Value == family);
    }

    [Fact]
    public async Task ALockout_CountsFailuresAndTheLockedOutAttempt()
    {
        var user = await Server.AddUserAsync();
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var url = OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));
        await Flow.SignInAsync(url, user.Username, "wrong once");
        await Flow.SignInAsync(url, user.Username, "wrong twice");
        var locked = await Flow.SignInAsync(url, user.Username, LocalServer.Password);
        Assert.Contains("Too many failed sign-ins", await locked.Content.ReadAsStringAsync());

        var metrics = Flush();
        Assert.Equal(2, metrics.Sum("oauth.sign_ins", ("result", "failed")));
        Assert.Equal(1, metrics.Sum("oauth.sign_ins", ("result", "locked_out")));
        Assert.Equal(0, metrics.Sum("oauth.sign_ins", ("result", "succeeded")));
        Assert.Equal(2, _logs.Count(l => l.EventId.Id == EventIds.SignInFailed));
        Assert.Single(_logs, l => l.EventId.Id == EventIds.SignInLockedOut);
        Assert.Equal(1, metrics.Sum("oauth.lockout.refusals", ("key_kind", "user"), ("reason", "locked")));
        Assert.Equal(0, metrics.Sum("oauth.lockout.refusals", ("key_kind", "address"), ("reason", "throttled")));
        Assert.Single(_logs, l => l.EventId.Id == EventIds.LockoutLocked.Id);
    }

    [Fact]
    public async Task AThrottledAddress_IsCountedAsThrottled_NotAsALock()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var flow = new OAuthFlow(Server);
        flow.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.50");
        for (var i = 0; i < 8; i++)
        {
            await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, "a wrong secret " + i));
        }

        var throttled = await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret));

        Assert.Equal((HttpStatusCode)429, throttled.StatusCode);
        var metrics = Flush();
        Assert.Equal(1, metrics.Sum("oauth.lockout.refusals", ("key_kind", "address"), ("reason", "throttled")));
        Assert.Equal(0, metrics.Sum("oauth.lockout.refusals", ("reason", "locked")));
        Assert.Single(_logs, l => l.EventId.Id == EventIds.LockoutThrottled.Id);
        Assert.DoesNotContain(_logs, l => l.EventId.Id == EventIds.LockoutLocked.Id);
    }

    /// <summary>
    /// Error pages are counted as JSON errors are, each once: an unknown client (a page from /authorize), a forged sign-in
    /// form, and on the account page a forged form and an unknown action (the one a hand count once missed).
    /// </summary>
    [Fact]
    public async Task EveryErrorPage_IsCountedOnce()
    {
        var user = await Server.AddUserAsync();
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var cookies = new System.Net.CookieContainer();
        var browser = new OAuthFlow(OAuthFlow.Browser(Server.BaseAddress, cookies));
        var url = OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInAsync(url, user.Username, LocalServer.Password)).StatusCode);

        var unknownClient = await browser.Http.GetAsync(url.Replace(client.ClientId, "no-such-client", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, unknownClient.StatusCode);
        var forgedSignIn = await browser.Http.PostAsync("authorize", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf_token"] = "forged" }));
        Assert.Equal(HttpStatusCode.BadRequest, forgedSignIn.StatusCode);
        var csrf = OAuthFlow.CsrfToken(await (await browser.Http.GetAsync("account")).Content.ReadAsStringAsync());
        var forgedAccount = await browser.Http.PostAsync("account", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf_token"] = "forged", ["action"] = "signout" }));
        Assert.Equal(HttpStatusCode.BadRequest, forgedAccount.StatusCode);
        var unknownAction = await browser.Http.PostAsync("account", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf_token"] = csrf, ["action"] = "dance" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknownAction.StatusCode);

        var metrics = Flush();
        Assert.Equal(2, metrics.Sum("oauth.errors", ("endpoint", "/authorize")));
        Assert.Equal(2, metrics.Sum("oauth.errors", ("endpoint", "/account"), ("error", "invalid_request")));
    }

    [Fact]
    public async Task NothingExported_CarriesASecretTokenCodeOrPassword()
    {
        var user = await Server.AddUserAsync();
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var (confidential, clientSecret) = await Server.AddConfidentialClientAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge);
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));
        await Flow.PostTokenAsync([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]);
        var (clientToken, _, _) = await TokenSupport.ReadTokenResponseAsync(
            await Flow.PostTokenAsync([("grant_type", "client_credentials")], (confidential.ClientId, clientSecret)));
        await Flow.PostFormAsync("introspect", [("token", accessToken)], (confidential.ClientId, clientSecret));
        await Flow.PostFormAsync("revoke", [("token", refreshToken!), ("client_id", client.ClientId)]);
        await Flow.PostTokenAsync([("grant_type", "client_credentials")], (confidential.ClientId, "a wrong secret"));
        await Flow.GetResourceAsync(accessToken);
        var url = OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", challenge), ("code_challenge_method", "S256"));
        await Flow.SignInAsync(url, user.Username, "a wrong password");
        // A password typed into the username field must not reach the logs either.
        await Flow.SignInAsync(url, LocalServer.Password, "x");

        // The device flow (RFC 8628): its device code, the user code (opened from verification_uri_complete, as typed,
        // and a wrong one) and its tokens stay out of every log, span and metric; its events name the client.
        var deviceClient = await Server.AddPublicClientAsync(grants: [Serverless.OAuth.Protocol.GrantTypes.DeviceCode, Serverless.OAuth.Protocol.GrantTypes.RefreshToken]);
        var device = await OAuthFlow.JsonAsync(await Flow.PostFormAsync("device_authorization", [("client_id", deviceClient.ClientId), ("scope", "read offline_access")]));
        var deviceCode = device.GetProperty("device_code").GetString()!;
        var userCode = device.GetProperty("user_code").GetString()!;
        var codePage = await (await Flow.Http.GetAsync("device?user_code=" + userCode)).Content.ReadAsStringAsync();
        var wrongPage = await (await Flow.PostFormAsync("device", [("csrf_token", OAuthFlow.CsrfToken(codePage)), ("user_code", "ZZZZ-ZZZZ")])).Content.ReadAsStringAsync();
        var consentPage = await (await Flow.PostFormAsync("device", [("csrf_token", OAuthFlow.CsrfToken(wrongPage)), ("user_code", userCode.Replace("-", ""))])).Content.ReadAsStringAsync();
        await Flow.PostFormAsync("device", [("csrf_token", OAuthFlow.CsrfToken(consentPage)), ("user_code", userCode), ("decision", "allow")]);
        var (deviceAccess, deviceRefresh, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", Serverless.OAuth.Protocol.GrantTypes.DeviceCode), ("device_code", deviceCode), ("client_id", deviceClient.ClientId)]));
        await Flow.PostTokenAsync([("grant_type", Serverless.OAuth.Protocol.GrantTypes.DeviceCode), ("device_code", deviceCode), ("client_id", deviceClient.ClientId)]);

        var secrets = new[] { LocalServer.Password, "a wrong password", clientSecret, "a wrong secret", code, verifier, accessToken, refreshToken!, clientToken,
                deviceCode, deviceCode.Split('.')[1], userCode, userCode.Replace("-", ""), "ZZZZ-ZZZZ", deviceAccess, deviceRefresh! }
            .Concat(new[] { code, refreshToken! }.Select(v => v.Split('.')[1]))
            .Concat(accessToken.Split('.'))
            .ToList();

        Flush();
        var exported = ExportedStrings().ToList();

        Assert.True(exported.Count > 100, "the scan should see the flow's telemetry, saw " + exported.Count);
        Assert.Contains(exported, s => s.Contains(user.Subject, StringComparison.Ordinal));
        Assert.Contains(_logs, l => l.EventId.Id == EventIds.DeviceApproved);
        Assert.Contains(_logs, l => l.EventId.Id == EventIds.UserCodeRefused);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(exported, s => s.Contains(secret, StringComparison.Ordinal));
        }
    }

    private MetricPoints Flush()
    {
        // Spans and logs are exported as they end; metrics when collected.
        Server.Services.GetRequiredService<MeterProvider>().ForceFlush();
        return new MetricPoints(_metrics);
    }

    /// <summary>Every string the exporters were handed: span names, tags, events and statuses; metric tags; log messages, attributes and scopes.</summary>
    private IEnumerable<string> ExportedStrings()
    {
        foreach (var span in _spans.ToList())
        {
            yield return span.DisplayName;
            yield return span.StatusDescription ?? "";
            foreach (var tag in span.TagObjects)
            {
                yield return tag.Key + "=" + tag.Value;
            }

            foreach (var e in span.Events)
            {
                yield return e.Name;
                foreach (var tag in e.Tags)
                {
                    yield return tag.Key + "=" + tag.Value;
                }
            }
        }

        foreach (var metric in _metrics.ToList())
        {
            foreach (var point in metric.MetricPoints)
            {
                foreach (var tag in point.Tags)
                {
                    yield return metric.Name + ":" + tag.Key + "=" + tag.Value;
                }
            }
        }

        foreach (var log in _logs.ToList())
        {
            yield return log.FormattedMessage ?? "";
            yield return log.Body ?? "";
            yield return log.Exception?.ToString() ?? "";
            foreach (var attribute in log.Attributes ?? [])
            {
                yield return attribute.Key + "=" + attribute.Value;
            }

            var scopes = new List<string>();
            log.ForEachScope((scope, list) =>
            {
                foreach (var item in scope)
                {
                    list.Add(item.Key + "=" + item.Value);
                }
            }, scopes);
            foreach (var scope in scopes)
            {
                yield return scope;
            }
        }
    }

    /// <summary>Sums and counts of the last exported points (cumulative), by instrument name and tags.</summary>
    private sealed class MetricPoints(List<MetricSnapshot> metrics)
    {
        public long Sum(string name, params (string Key, string Value)[] tags) =>
            Points(name, tags).Sum(point => point.GetSumLong());

        public long Count(string name, params (string Key, string Value)[] tags) =>
            Points(name, tags).Sum(point => point.GetHistogramCount());

        private List<MetricPoint> Points(string name, (string Key, string Value)[] tags)
        {
            var matching = new List<MetricPoint>();
            foreach (var metric in metrics.Where(m => m.Name == name).TakeLast(1))
            {
                foreach (var point in metric.MetricPoints)
                {
                    var pointTags = new Dictionary<string, object?>();
                    foreach (var tag in point.Tags)
                    {
                        pointTags[tag.Key] = tag.Value;
                    }

                    if (tags.All(t => pointTags.TryGetValue(t.Key, out var value) && Equals(value?.ToString(), t.Value)))
                    {
                        matching.Add(point);
                    }
                }
            }

            return matching;
        }
    }
}

/// <summary>
/// The server's Meter and ActivitySource are process-wide, so telemetry tests run alone: another test class's server
/// must not add to the counts they assert.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
