using Serverless.OAuth.Infrastructure.Signing;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>The claims of one access token (RFC 9068 §2.2).</summary>
public sealed record AccessTokenClaims(
    string Subject,
    string ClientId,
    string Scope,
    string JwtId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? AuthTime,
    string? Actor = null,
    string? ConfirmationKey = null);

/// <summary>
/// Writes an RFC 9068 access token: the claims with this thread's payload writer, signed by <see cref="JwsWriter"/>
/// with "typ": "at+jwt". This runs for every token, so the payload writer is reused and the header is encoded once per key.
/// </summary>
public static class AccessTokenWriter
{
    public const string TokenType = "at+jwt";

    [ThreadStatic]
    private static JwsWriter.PayloadWriter? _payloadWriter;

    public static ValueTask<string> WriteAsync(
        ISigningKey key, string issuer, string audience, AccessTokenClaims claims, CancellationToken cancellationToken) =>
        JwsWriter.SignAsync(key, TokenType, WritePayload(issuer, audience, claims), cancellationToken);

    /// <summary>Writes the claims with this thread's writer; the span is valid until the thread's next call.</summary>
    private static ReadOnlySpan<byte> WritePayload(string issuer, string audience, AccessTokenClaims claims)
    {
        var writer = _payloadWriter ??= new JwsWriter.PayloadWriter();
        var json = writer.Start();
        json.WriteString("iss", issuer);
        json.WriteString("sub", claims.Subject);
        json.WriteString("aud", audience);
        json.WriteString("client_id", claims.ClientId);
        if (claims.Scope.Length > 0)
        {
            json.WriteString("scope", claims.Scope);
        }

        json.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
        json.WriteNumber("exp", claims.ExpiresAt.ToUnixTimeSeconds());
        if (claims.AuthTime is { } authTime)
        {
            json.WriteNumber("auth_time", authTime.ToUnixTimeSeconds());
        }

        if (claims.Actor is { } actor)
        {
            // RFC 8693 §4.1: the acting party, a JSON object built by the token exchange.
            json.WritePropertyName("act");
            json.WriteRawValue(actor);
        }

        if (claims.ConfirmationKey is { } jkt)
        {
            // RFC 9449 §6.1: the token is bound to the DPoP key with this RFC 7638 thumbprint.
            json.WriteStartObject("cnf");
            json.WriteString("jkt", jkt);
            json.WriteEndObject();
        }

        json.WriteString("jti", claims.JwtId);
        return writer.End();
    }
}
