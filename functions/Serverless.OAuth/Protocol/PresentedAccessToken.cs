using Microsoft.Extensions.Primitives;

namespace Serverless.OAuth.Protocol;

/// <summary>
/// The access token of an Authorization header and the scheme it came with: "Bearer" (RFC 6750 §2.1) or "DPoP"
/// (RFC 9449 §7.1). <see cref="Token"/> is "" when no Authorization header was sent (answered with bare challenges).
/// </summary>
public sealed record PresentedAccessToken(string Token, bool IsDpop)
{
    public const string BearerScheme = "Bearer";
    public const string DpopScheme = "DPoP";

    public static OAuthResult<PresentedAccessToken> Read(StringValues authorization)
    {
        var header = AuthorizationHeader.Read(authorization);
        if (!header.Succeeded)
        {
            return header.Error;
        }

        if (header.Value.Length == 0)
        {
            return new PresentedAccessToken("", IsDpop: false);
        }

        // Auth schemes are case-insensitive (RFC 9110 §11.1).
        foreach (var (scheme, isDpop) in new[] { (BearerScheme, false), (DpopScheme, true) })
        {
            if (header.Value.Length > scheme.Length && header.Value[scheme.Length] == ' '
                && header.Value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return new PresentedAccessToken(header.Value[(scheme.Length + 1)..].Trim(), isDpop);
            }
        }

        return OAuthError.InvalidRequest("Send the access token as 'Authorization: Bearer <token>' or 'Authorization: DPoP <token>'.");
    }
}
