namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// The names and values the interaction's pages post that the steps reading the posts compare by name: the pages write
/// them, and <see cref="Interaction.InteractionForm"/>, <see cref="Interaction.CsrfGuard"/>, the consent and the device
/// steps read them.
/// </summary>
public static class FieldNames
{
    /// <summary>The hidden field with the page's CSRF token, the same as in the CSRF cookie.</summary>
    public const string Csrf = "csrf_token";

    /// <summary>The button of an upstream provider on the sign-in page: its value is the provider's name.</summary>
    public const string Provider = "provider";

    /// <summary>The device's user code on the device page's forms (RFC 8628 §3.3), and in its address when it is filled in.</summary>
    public const string UserCode = "user_code";

    /// <summary>The values of the "decision" button on the consent and sign-in pages.</summary>
    public const string Allow = "allow";

    public const string Deny = "deny";
}
