namespace Serverless.OAuth.Clients;

/// <summary>How the client presented itself at the token, revocation or introspection endpoint.</summary>
public sealed record ClientCredentials(string? ClientId, string? Secret, string Method)
{
    public const string Basic = "client_secret_basic";
    public const string Post = "client_secret_post";
    public const string None = "none";

    /// <summary>A signed JWT in client_assertion (RFC 7523 §2.2): the client's own key, or a trusted issuer's token.</summary>
    public const string PrivateKeyJwt = "private_key_jwt";

    /// <summary>The client_assertion, for <see cref="PrivateKeyJwt"/>.</summary>
    public string? Assertion { get; init; }
}
