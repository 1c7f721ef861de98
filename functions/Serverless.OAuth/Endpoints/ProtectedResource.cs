using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Endpoints.Dpop;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Endpoints;

/// <summary>What a protected resource reads from a request: the Authorization and DPoP headers, the method, and its own public URL.</summary>
public sealed record ResourceRequest(StringValues Authorization, StringValues DpopProof, string Method, string Url);

/// <summary>
/// The front of a resource that takes this server's access tokens (UserInfo, the demo resource): the token of the
/// Authorization header, "Bearer" (RFC 6750 §2.1) or "DPoP" (RFC 9449 §7.1), validated for the resource's audience, or
/// the resource's challenges (RFC 6750 §3.1, RFC 9449 §7.1): bare when no token was sent, with invalid_request,
/// invalid_token or invalid_dpop_proof otherwise, in the challenge of the scheme the client used. A DPoP-bound token
/// (cnf.jkt) is accepted only with the DPoP scheme and a proof of its key for this request (htm, htu, ath); never as a
/// Bearer token (RFC 9449 §7.2). The resource's own rules (its scope) follow in <c>serve</c>.
/// </summary>
public sealed class ProtectedResource(AccessTokenValidator validator, DpopProofValidator dpop, ILogger<ProtectedResource> logger)
{
    /// <param name="audience">The API the token must be for; null: any API of this server (its own endpoints).</param>
    /// <param name="challenge">The resource's Bearer challenge for an error; a null error means no token was sent.</param>
    public async Task<EndpointResult> HandleAsync(
        ResourceRequest request,
        string? audience,
        Func<OAuthError?, BearerChallengeResult> challenge,
        Func<ValidatedAccessToken, Task<EndpointResult>> serve,
        CancellationToken cancellationToken)
    {
        var presented = PresentedAccessToken.Read(request.Authorization);
        // The error goes in the challenge of the scheme the client used: DPoP once a token came with it.
        var usedDpop = presented.Succeeded && presented.Value.Token.Length > 0 && presented.Value.IsDpop;
        return WithDpop(await AnswerAsync(presented, request, audience, challenge, serve, cancellationToken), usedDpop);
    }

    private async Task<EndpointResult> AnswerAsync(
        OAuthResult<PresentedAccessToken> presented,
        ResourceRequest request,
        string? audience,
        Func<OAuthError?, BearerChallengeResult> challenge,
        Func<ValidatedAccessToken, Task<EndpointResult>> serve,
        CancellationToken cancellationToken)
    {
        if (!presented.Succeeded)
        {
            return challenge(presented.Error);
        }

        var (token, isDpop) = presented.Value;
        if (token.Length == 0)
        {
            return challenge(null);
        }

        var validation = await validator.ValidateAsync(token, audience, cancellationToken);
        if (!validation.Succeeded)
        {
            return challenge(validation.Error);
        }

        var bound = validation.Value.ConfirmationKey;
        if (!isDpop)
        {
            if (bound is null)
            {
                return await serve(validation.Value);
            }

            DpopEvents.BoundTokenRefused(logger, validation.Value.ClientId, request.Url, "presented as Bearer");
            return challenge(OAuthError.InvalidToken("This access token is DPoP-bound: send it as 'Authorization: DPoP' with a DPoP proof."));
        }

        if (bound is null)
        {
            return challenge(OAuthError.InvalidToken("This access token is not DPoP-bound: send it as 'Authorization: Bearer'."));
        }

        if (request.DpopProof.Count == 0)
        {
            DpopEvents.BoundTokenRefused(logger, validation.Value.ClientId, request.Url, "no DPoP proof");
            return challenge(OAuthError.InvalidDpopProof("A DPoP-bound access token needs a DPoP proof."));
        }

        var proof = await dpop.ValidateAsync(request.DpopProof, request.Method, request.Url, token, cancellationToken);
        if (!proof.Succeeded)
        {
            return challenge(proof.Error);
        }

        // RFC 9449 §7.1: the proof's key must be the key the token is bound to.
        if (proof.Value.KeyThumbprint is { } proved && SecretValues.FixedTimeEquals(proved, bound))
        {
            return await serve(validation.Value);
        }

        DpopEvents.BoundTokenRefused(logger, validation.Value.ClientId, request.Url, "the proof is of another key");
        return challenge(OAuthError.InvalidToken("Invalid DPoP key binding."));
    }

    /// <summary>A challenge answers with a DPoP challenge beside the Bearer one (RFC 9449 §7.1), the error in the one the client used.</summary>
    private static EndpointResult WithDpop(EndpointResult result, bool errorInDpop) => result is BearerChallengeResult challenge
        ? challenge with { DpopAlgorithms = DpopProofValidator.Algorithms, ErrorInDpopChallenge = errorInDpop }
        : result;
}
