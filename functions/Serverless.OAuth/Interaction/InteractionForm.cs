using System.Diagnostics.CodeAnalysis;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Interaction.Pages;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// What the sign-in page posts back beside the authorization request's own parameters (which are validated again,
/// exactly like the GET): the CSRF token, the user's decision and credentials.
/// </summary>
public sealed record InteractionForm(string? CsrfToken, string? Decision, string? Username, string? Password)
{
    /// <summary>The upstream provider the user chose to sign in with, instead of a password.</summary>
    public string? Provider { get; init; }

    public static InteractionForm Read(OAuthParameters form) =>
        new(form[FieldNames.Csrf], form["decision"], form["username"], form["password"]) { Provider = form[FieldNames.Provider] };

    /// <summary>Whether the form came from our own page (<see cref="CsrfGuard"/>).</summary>
    public bool CameFromOurPage([NotNullWhen(true)] string? csrfCookie) => CsrfGuard.CameFromOurPage(CsrfToken, csrfCookie);
}
