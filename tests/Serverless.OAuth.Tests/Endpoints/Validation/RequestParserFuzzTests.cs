using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.WebUtilities;
using Moq;
using Serverless.OAuth.Tests.Clients.Registration;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Tests.Endpoints.Validation;

/// <summary>
/// Property-based fuzzing (FsCheck) of the authorize and token request parsers: whatever comes in, they never throw,
/// every error is a known OAuth error with a description RFC 6749 allows, and nothing is ever redirected to an
/// unregistered URI. Run longer with FUZZ_CASES=100000.
/// </summary>
public sealed class RequestParserFuzzTests
{
    private static readonly HashSet<string> KnownErrors =
    [
        OAuthErrorCodes.InvalidRequest, OAuthErrorCodes.InvalidClient, OAuthErrorCodes.InvalidScope, OAuthErrorCodes.UnauthorizedClient,
        OAuthErrorCodes.UnsupportedResponseType, OAuthErrorCodes.InvalidGrant, OAuthErrorCodes.UnsupportedGrantType,
    ];

    private static readonly string[] AuthorizeNames = ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"];

    private static readonly string[] TokenNames = ["grant_type", "code", "redirect_uri", "code_verifier", "client_id", "client_secret", "refresh_token", "scope", "token", "token_type_hint"];

    private static AuthorizeRequestValidator Validator()
    {
        var clients = new Mock<IClientStore>();
        clients.Setup(c => c.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => id == "app"
                ? new OAuthClient
                {
                    ClientId = "app", Name = "App", Type = ClientType.Public, RedirectUris = [FuzzInputs.RegisteredRedirect],
                    AllowedScopes = ["read", "write"], AllowedGrantTypes = [GrantTypes.AuthorizationCode],
                }
                : null);
        // No published key: any id_token_hint is refused, as one from another issuer would be.
        var keys = new Mock<ISigningKeyProvider>();
        keys.Setup(k => k.GetPublicKeysAsync(It.IsAny<CancellationToken>())).ReturnsAsync(Array.Empty<PublicJsonWebKey>());
        var options = new OAuthServerOptions();
        return new AuthorizeRequestValidator(Directories.Over(clients.Object), Clients.Apis.TestApis.Store(), new IdTokenHintValidator(new SigningKeyRing(new Dictionary<string, ISigningKeyProvider> { ["ES256"] = keys.Object }), options, TimeProvider.System), options);
    }

    private static bool IsAllowedDescription(string? description) =>
        description is null || description.All(c => c is >= (char)0x20 and <= (char)0x7E && c != '"' && c != '\\');

    [Fact]
    public void AuthorizeRequests_NeverThrow_NeverRedirectToAnUnregisteredUri()
    {
        var validator = Validator();
        var gen = FuzzInputs.Parameters(AuthorizeNames).Select(p => p.Append(new("client_id", "app")).Reverse().ToArray());

        Check.One(FuzzInputs.Config, Prop.ForAll(Arb.From(gen), pairs =>
        {
            var (request, error) = validator.ValidateAsync(OAuthParameters.From(pairs), default).GetAwaiter().GetResult();
            if (request is not null)
            {
                return request.RedirectUri == FuzzInputs.RegisteredRedirect
                    && request.CodeChallenge is { } challenge && Pkce.IsValidChallenge(challenge)
                    && request.Scope.IsSubsetOf(["read", "write"]);
            }

            return (error!.Redirect is null || error.Redirect.RedirectUri == FuzzInputs.RegisteredRedirect)
                && KnownErrors.Contains(error.Error)
                && IsAllowedDescription(error.Description);
        }));
    }

    [Fact]
    public void RawTokenRequestBodies_ParseWithoutThrowing_IntoParametersOrAStructuralError()
    {
        var gen = Gen.Zip(FuzzInputs.FormBody(TokenNames), FuzzInputs.Value());

        Check.One(FuzzInputs.Config, Prop.ForAll(Arb.From(gen), input =>
        {
            var (body, authorization) = input;
            Dictionary<string, Microsoft.Extensions.Primitives.StringValues> fields;
            try
            {
                fields = new FormReader(new MemoryStream(body), Encoding.UTF8) { ValueCountLimit = 64, ValueLengthLimit = 8192 }.ReadForm();
            }
            catch (InvalidDataException)
            {
                return true; // over the limits: the host answers invalid_request
            }

            var form = OAuthParameters.From(fields);
            var (credentials, error) = ClientAuthenticator.ReadCredentials("Basic " + authorization, form);
            var (_, postError) = ClientAuthenticator.ReadCredentials(null, form);
            var scope = ScopeSet.Parse(form["scope"]);
            SecretValues.TrySplit(form["code"], out _, out _);
            SecretValues.TrySplit(form["refresh_token"], out _, out _);
            var verifier = form["code_verifier"];
            if (verifier is not null && Pkce.IsValidVerifier(verifier))
            {
                Pkce.Verify(verifier, FuzzInputs.RegisteredRedirect);
            }

            return (credentials is not null || (error is not null && KnownErrors.Contains(error.Error) && IsAllowedDescription(error.Description)))
                && postError is null
                && (scope is null || scope.Values.All(ScopeSet.IsValidToken))
                && IsAllowedDescription(form.StructuralError?.Description);
        }));
    }

    [Fact]
    public void BasicCredentials_RoundTripThroughTheirEncoding()
    {
        var gen = Gen.Zip(FuzzInputs.Value().Where(s => s.Length is > 0 and < 200), FuzzInputs.Value().Where(s => s.Length is > 0 and < 200));

        Check.One(FuzzInputs.Config, Prop.ForAll(Arb.From(gen), pair =>
        {
            var (id, secret) = pair;
            // Lone surrogates cannot be UTF-8 encoded: no client can send them.
            if (!IsWellFormedUtf16(id) || !IsWellFormedUtf16(secret))
            {
                return true;
            }

            var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(id) + ":" + Uri.EscapeDataString(secret)));
            var (credentials, error) = ClientAuthenticator.ReadCredentials("Basic " + encoded, OAuthParameters.Empty);
            return encoded.Length > ClientAuthenticator.MaxBasicCredentialsLength
                ? error?.Error == OAuthErrorCodes.InvalidClient
                : credentials is not null && credentials.ClientId == id && credentials.Secret == secret;
        }));
    }

    private static bool IsWellFormedUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }
}
