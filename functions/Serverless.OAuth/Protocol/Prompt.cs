namespace Serverless.OAuth.Protocol;

/// <summary>
/// The "prompt" parameter (OpenID Connect Core §3.1.2.1): whether the server may, or must, show the user a page.
/// "none" forbids any page (an error goes back instead, §3.1.2.6); "login" forces the password; "consent" forces the
/// consent question. "select_account" is not offered: a browser holds one session here.
/// </summary>
public sealed record Prompt(bool None, bool Login, bool Consent)
{
    public const string NoneValue = "none";
    public const string LoginValue = "login";
    public const string ConsentValue = "consent";

    /// <summary>What discovery lists as prompt_values_supported.</summary>
    public static IReadOnlyList<string> Supported { get; } = [NoneValue, LoginValue, ConsentValue];

    public static Prompt Unspecified { get; } = new(false, false, false);

    /// <summary>Parses the space-separated values; an unknown value, or "none" with any other, is invalid_request.</summary>
    public static OAuthResult<Prompt> Parse(string? value)
    {
        if (value is null)
        {
            return Unspecified;
        }

        bool none = false, login = false, consent = false;
        foreach (var part in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part)
            {
                case NoneValue: none = true; break;
                case LoginValue: login = true; break;
                case ConsentValue: consent = true; break;
                default: return OAuthError.InvalidRequest("The 'prompt' parameter has a value this server does not support (none, login, consent).");
            }
        }

        if (none && (login || consent))
        {
            return OAuthError.InvalidRequest("prompt=none cannot be combined with other prompt values.");
        }

        return new Prompt(none, login, consent);
    }

    public bool IsUnspecified => !None && !Login && !Consent;

    public override string ToString() =>
        string.Join(' ', new[] { (None, NoneValue), (Login, LoginValue), (Consent, ConsentValue) }.Where(p => p.Item1).Select(p => p.Item2));
}
