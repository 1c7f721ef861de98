using System.Text.Json;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Clients.Registration;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Clients.Registration;

/// <summary>dpop_bound_access_tokens (RFC 9449 §5.2) in client metadata: a boolean, carried into the registration request.</summary>
public sealed class ClientMetadataReaderDpopTests
{
    private static OAuthResult<ClientMetadata> Read(string extra) =>
        ClientMetadataReader.Read(JsonDocument.Parse($$"""{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"{{extra}}}""").RootElement);

    [Fact]
    public void TrueIsCarriedIntoTheRegistration_AndUnsaidIsFalse()
    {
        var bound = Read(""","dpop_bound_access_tokens":true""");
        Assert.True(bound.Succeeded);
        Assert.True(bound.Value.DpopBoundAccessTokens);
        Assert.True(SelfRegistration.Request(bound.Value, "c", "App", ClientRegistration.AuthNone).DpopBoundAccessTokens);
        var unsaid = Read("");
        Assert.True(unsaid.Succeeded);
        Assert.False(unsaid.Value.DpopBoundAccessTokens);
    }

    [Fact]
    public void ANonBoolean_IsInvalidClientMetadata()
    {
        var result = Read(""","dpop_bound_access_tokens":"yes" """);
        Assert.Equal(OAuthErrorCodes.InvalidClientMetadata, result.Error?.Error);
    }
}
