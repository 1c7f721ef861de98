using Moq;
using Serverless.OAuth.Tests.Clients.Registration;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Tests.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Tests.Endpoints.Validation;

public sealed class AuthorizeRequestValidatorTests
{
    private const string Redirect = "https://app.example.com/cb";
    private static readonly string Challenge = Pkce.ComputeChallenge(new string('v', 43));

    private readonly Mock<IClientStore> _clients = new();

    private static OAuthClient Client(ClientType type = ClientType.Public, string[]? grants = null) => new()
    {
        ClientId = "app",
        Name = "App",
        Type = type,
        RedirectUris = [Redirect],
        AllowedScopes = ["read", "write"],
        AllowedGrantTypes = grants ?? [GrantTypes.AuthorizationCode],
    };

    private AuthorizeRequestValidator Validator(OAuthClient? client)
    {
        _clients.Setup(c => c.FindAsync("app", It.IsAny<CancellationToken>())).ReturnsAsync(client);
        // No published key: any id_token_hint is refused, as one from another issuer would be.
        var keys = new Mock<ISigningKeyProvider>();
        keys.Setup(k => k.GetPublicKeysAsync(It.IsAny<CancellationToken>())).ReturnsAsync(Array.Empty<PublicJsonWebKey>());
        var options = new OAuthServerOptions();
        return new AuthorizeRequestValidator(Directories.Over(_clients.Object), TestApis.Store(), new IdTokenHintValidator(new SigningKeyRing(new Dictionary<string, ISigningKeyProvider> { ["ES256"] = keys.Object }), options, TimeProvider.System), options);
    }

    private static OAuthParameters Request(params (string, string?)[] overrides)
    {
        var values = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = "app",
            ["redirect_uri"] = Redirect,
            ["scope"] = "read",
            ["state"] = "st",
            ["code_challenge"] = Challenge,
            ["code_challenge_method"] = "S256",
        };
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }

        return OAuthParameters.From(values.Select(p => (p.Key, p.Value)).ToArray());
    }

    [Fact]
    public async Task ValidRequest_IsAccepted()
    {
        var (request, error) = await Validator(Client()).ValidateAsync(Request(), default);

        Assert.Null(error);
        Assert.Equal(Redirect, request!.RedirectUri);
        Assert.Equal("read", request.Scope.ToString());
        Assert.Equal(Challenge, request.CodeChallenge);
    }

    [Fact]
    public async Task ValidateClientId_UnknownClientCausesAPageError()
    {
        var (_, error) = await Validator(null).ValidateAsync(Request(), default);

        Assert.Null(error!.Redirect?.RedirectUri);
        Assert.Equal("invalid_client", error.Error);
    }

    [Fact]
    public async Task ValidateRedirectUri_UnregisteredUriCausesAPageError_EvenWhenOtherParametersAreAlsoWrong()
    {
        var (_, error) = await Validator(Client()).ValidateAsync(Request(("redirect_uri", Redirect + "/"), ("response_type", null)), default);

        Assert.Null(error!.Redirect?.RedirectUri);
        Assert.Equal("invalid_request", error.Error);
    }

    [Fact]
    public async Task ValidateGrantAllowed_ClientWithoutTheCodeGrantCausesUnauthorizedClient()
    {
        var (_, error) = await Validator(Client(ClientType.Confidential, [GrantTypes.ClientCredentials])).ValidateAsync(Request(), default);

        Assert.Equal("unauthorized_client", error!.Error);
        Assert.Equal(Redirect, error.Redirect?.RedirectUri);
    }

    [Fact]
    public async Task ValidatePkce_ConfidentialClientMayOmitPkce_PublicMayNot()
    {
        var confidential = await Validator(Client(ClientType.Confidential)).ValidateAsync(Request(("code_challenge", null), ("code_challenge_method", null)), default);
        var @public = await Validator(Client()).ValidateAsync(Request(("code_challenge", null), ("code_challenge_method", null)), default);

        Assert.Null(confidential.Error);
        Assert.Null(confidential.Value!.CodeChallenge);
        Assert.Equal("invalid_request", @public.Error!.Error);
    }

    [Fact]
    public async Task ValidatePkce_MethodWithoutChallengeCausesAnError()
    {
        var (_, error) = await Validator(Client(ClientType.Confidential)).ValidateAsync(Request(("code_challenge", null)), default);

        Assert.Equal("invalid_request", error!.Error);
    }

    [Fact]
    public async Task ValidateScope_NoScopeDefaultsToTheClientsScopes()
    {
        var (request, _) = await Validator(Client()).ValidateAsync(Request(("scope", null)), default);

        Assert.Equal("read write", request!.Scope.ToString());
    }

    [Fact]
    public async Task ValidateScope_AScopeTheClientMayNotHaveCausesInvalidScope()
    {
        var (_, error) = await Validator(Client()).ValidateAsync(Request(("scope", "read offline_access")), default);

        Assert.Equal("invalid_scope", error!.Error);
        Assert.Equal("st", error.Redirect?.State);
    }

    [Fact]
    public async Task RepeatedClientId_CausesAPageError()
    {
        var parameters = OAuthParameters.From(new KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[]
        {
            new("client_id", new Microsoft.Extensions.Primitives.StringValues(["app", "app"])),
            new("redirect_uri", Redirect),
        });

        var (_, error) = await Validator(Client()).ValidateAsync(parameters, default);

        Assert.Null(error!.Redirect?.RedirectUri);
    }
}
