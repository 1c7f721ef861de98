using System.Security.Cryptography;
using System.Text;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Identity.Upstream;

/// <summary>
/// One sign-in at an upstream provider, named by its <see cref="State"/> (256 random bits, sent to the provider and
/// back). The PKCE verifier and the nonce are derived from the state (HMAC-SHA256 keyed by it), and the pending row is
/// stored under the state's hash: a dump of the table holds none of the three, and nothing but the state itself, which
/// only the browser and the provider see, can complete the sign-in.
/// </summary>
public sealed record UpstreamAttempt(string State)
{
    public static UpstreamAttempt New() => new(SecretValues.NewSecret());

    /// <summary>The pending row's key.</summary>
    public string Key => SecretValues.Hash(State);

    /// <summary>43 characters of base64url: a valid verifier (RFC 7636 §4.1).</summary>
    public string CodeVerifier => Derive("pkce");

    public string CodeChallenge => UpstreamProvider.Challenge(CodeVerifier);

    public string Nonce => Derive("nonce");

    private string Derive(string purpose) =>
        Base64Url.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(State), Encoding.UTF8.GetBytes(purpose)));
}
