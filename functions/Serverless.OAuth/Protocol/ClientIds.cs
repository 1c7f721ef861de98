namespace Serverless.OAuth.Protocol;

/// <summary>The client_id values this server accepts (RFC 6749 §2.2 leaves the form to the server): they are table keys, so a strict alphabet.</summary>
public static class ClientIds
{
    public static bool IsValid(string? clientId) =>
        clientId is { Length: > 0 and <= 64 } && clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
