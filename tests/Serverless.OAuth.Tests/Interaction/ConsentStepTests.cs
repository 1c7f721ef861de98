using Serverless.OAuth.Clients;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Users;
using Serverless.OAuth.Validation;

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

    [Fact]
    public void Allow_GoesOn_AndRecordsNothingYet()
    {
        Assert.Null(new ConsentStep(_audit).Refusal(Request, "allow"));
        Assert.Empty(_audit.EventIds);
    }

    [Fact]
    public void Deny_IsAccessDenied_ToTheVerifiedRedirectUri_WithTheState()
    {
        var refusal = new ConsentStep(_audit).Refusal(Request, "deny");

        Assert.Equal(OAuthErrorCodes.AccessDenied, refusal?.Error);
        Assert.Equal(("https://app.example/cb", "xyz"), (refusal?.Redirect?.RedirectUri, refusal?.Redirect?.State));
        Assert.Equal([AuditEvents.ConsentDeniedId], _audit.EventIds);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Allow")]
    public void AnythingElse_IsAnInvalidRequest_AndNoDecision(string? decision)
    {
        var refusal = new ConsentStep(_audit).Refusal(Request, decision);

        Assert.Equal(OAuthErrorCodes.InvalidRequest, refusal?.Error);
        Assert.Equal("https://app.example/cb", refusal?.Redirect?.RedirectUri);
        Assert.Empty(_audit.EventIds);
    }

    [Fact]
    public void Granted_RecordsTheConsent()
    {
        new ConsentStep(_audit).Granted(Request, new OAuthUser("alice", "sub", "hash", null));

        Assert.Equal([AuditEvents.ConsentGrantedId], _audit.EventIds);
    }
}
