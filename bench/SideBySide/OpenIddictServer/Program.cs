using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

// OpenIddict 7.9.0 configured as this project's server is for client_credentials, for the side-by-side benchmark:
// POST /token, client_secret_basic, one confidential client, ES256-signed JWT access tokens (typ at+jwt), access
// token encryption off, nothing written per token.
//
// Degraded mode with the client checked in memory, not a store: the local host it is compared with reads a client
// once per instance, checks its secret by PBKDF2 once, and then compares in constant time from its cache, with no
// storage per client_credentials token. OpenIddict's stores have no such cache for the secret: its application manager
// runs PBKDF2 (10,000 iterations) on every request, and with token storage on it writes a row per token. Either would
// measure a different design, not the same work done by another library. The check below does what ours does per
// request: find the client, compare the secret in constant time, check the scope (OpenIddict's own ValidateScopes
// against the registered scopes) and the grant (client_credentials is the only flow enabled).
//
// Settings (environment): BENCH_ISSUER (http://127.0.0.1:PORT), BENCH_CLIENT_ID, BENCH_CLIENT_SECRET,
// BENCH_AUDIENCE; the URL to listen on with --urls.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

var issuer = Required("BENCH_ISSUER");
var clientId = Required("BENCH_CLIENT_ID");
var secret = Encoding.UTF8.GetBytes(Required("BENCH_CLIENT_SECRET"));
var audience = Required("BENCH_AUDIENCE");

// A P-256 key, as the local host's default (OAuth:Signing:Algorithm ES256).
var signingKey = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "bench-es256" };

builder.Services.AddOpenIddict()
    .AddServer(options =>
    {
        options.SetIssuer(new Uri(issuer));
        options.SetTokenEndpointUris("token");
        // Discovery and the key set, for the harness's check of the first token's signature (not under load).
        options.SetConfigurationEndpointUris(".well-known/openid-configuration");
        options.SetJsonWebKeySetEndpointUris(".well-known/jwks");
        options.AllowClientCredentialsFlow();
        options.RegisterScopes("read");
        options.AddSigningKey(signingKey);
        // OpenIddict requires an encryption key even when access tokens are not encrypted (it encrypts its other tokens).
        options.AddEphemeralEncryptionKey();
        options.DisableAccessTokenEncryption();
        options.SetAccessTokenLifetime(TimeSpan.FromHours(1));
        options.EnableDegradedMode();
        options.UseAspNetCore().DisableTransportSecurityRequirement();

        // The client's authentication, in memory: OpenIddict has checked that client_credentials comes with a
        // client_id and a client_secret (ValidateClientCredentialsParameters) before this runs.
        options.AddEventHandler<ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
        {
            var presented = Encoding.UTF8.GetBytes(context.ClientSecret ?? "");
            if (!string.Equals(context.ClientId, clientId, StringComparison.Ordinal) || !CryptographicOperations.FixedTimeEquals(presented, secret))
            {
                context.Reject(Errors.InvalidClient, "The client credentials are invalid.");
            }

            return default;
        }));

        // The token: subject and client_id the client, the scopes asked for (checked by OpenIddict), one audience.
        options.AddEventHandler<HandleTokenRequestContext>(handler => handler.UseInlineHandler(context =>
        {
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, context.ClientId);
            identity.SetScopes(context.Request.GetScopes());
            identity.SetResources(audience);
            identity.SetDestinations(static _ => [Destinations.AccessToken]);
            context.SignIn(new ClaimsPrincipal(identity));
            return default;
        }));
    });

var app = builder.Build();
app.UseAuthentication();
app.Run();

static string Required(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"Set {name}.");
