using Serverless.OAuth.Protocol;
using Serverless.OAuth.Interaction.Pages;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The one CSRF guard of every form the interaction layer shows (sign-in and consent, the account page, the sign-out
/// question): a page gets a new token, in a hidden field and in the SameSite=Strict CSRF cookie; a post is ours only
/// when both carry the same token (double-submit: a cross-site form can neither read nor set our cookie). Compared in
/// constant time.
/// </summary>
public static class CsrfGuard
{
    /// <summary>A new token for a page: random, 256 bits.</summary>
    public static string NewToken() => SecretValues.NewSecret();

    public static bool CameFromOurPage(string? postedToken, string? csrfCookie) =>
        csrfCookie is not null && postedToken is not null && SecretValues.FixedTimeEquals(csrfCookie, postedToken);

    /// <summary>Whether a posted form came from our own page: its token field matches the cookie.</summary>
    public static bool CameFromOurPage(OAuthParameters form, string? csrfCookie) => CameFromOurPage(form[FieldNames.Csrf], csrfCookie);
}
