using Moq;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Tests.Interaction;

public sealed class ConsentStepTests
{
    internal static readonly AuthorizationRequest Request = new(
        new OAuthClient { ClientId = "app", Name = "App", Type = ClientType.Public },
        "https://app.example/cb",
        ScopeSet.Parse("read")!,
        "xyz",
        "challenge",
        ["https://api.example.com/resource"]);

    private readonly AuditLog<ConsentStep> _audit = new();

    // Storage is never reached by the decision rules; a test that reached it would fail on the empty mock.
    private ConsentStep Step() => new(new ConsentStore(Mock.Of<OAuthTables>(), new ExpiryIndex(Mock.Of<OAuthTables>()), new OAuthServerOptions(), TimeProvider.System), _audit);

    [Fact]
    public void Allow_GoesOn_AndRecordsNothingYet()
    {
        Assert.Null(Step().Refusal(Request, "allow"));
        Assert.Empty(_audit.EventIds);
    }

    [Fact]
    public void Deny_IsAccessDenied_ToTheVerifiedRedirectUri_WithTheState()
    {
        var refusal = Step().Refusal(Request, "deny");

        Assert.Equal(OAuthErrorCodes.AccessDenied, refusal?.Error);
        Assert.Equal(("https://app.example/cb", "xyz"), (refusal?.Redirect?.RedirectUri, refusal?.Redirect?.State));
        Assert.Equal([EventIds.ConsentDenied], _audit.EventIds);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Allow")]
    public void AnythingElse_IsAnInvalidRequest_AndNoDecision(string? decision)
    {
        var refusal = Step().Refusal(Request, decision);

        Assert.Equal(OAuthErrorCodes.InvalidRequest, refusal?.Error);
        Assert.Equal("https://app.example/cb", refusal?.Redirect?.RedirectUri);
        Assert.Empty(_audit.EventIds);
    }

    [Fact]
    public void Granted_IsAnAuditEvent_OnlyWhenTheUserWasAsked()
    {
        Step().Granted(Request, "sub", new ConsentQuestion(false, ScopeSet.Empty, null));
        Assert.Empty(_audit.EventIds);

        Step().Granted(Request, "sub", new ConsentQuestion(true, Request.Scope, null));
        Assert.Equal([EventIds.ConsentGranted], _audit.EventIds);
    }
}
