using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.OAuth.Clients;

/// <summary>
/// A client's JWK Set (RFC 7517 §5), read strictly: public RSA and EC signing keys only. A symmetric key (kty "oct")
/// or any private member would mean the client shared a secret with us, which this method exists to avoid.
/// </summary>
public static class ClientJwks
{
    /// <summary>The largest JWK Set registered inline.</summary>
    public const int MaxLength = 16 * 1024;

    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

    /// <summary>The signing keys of <paramref name="json"/>, or why it is not an acceptable JWK Set.</summary>
    public static bool TryRead(string json, out IReadOnlyList<SecurityKey> keys, out string? problem)
    {
        keys = [];
        problem = null;
        if (json.Length > MaxLength)
        {
            problem = $"The JWK Set is larger than {MaxLength} characters.";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var members)
                || members.ValueKind != JsonValueKind.Array)
            {
                problem = "A JWK Set is a JSON object with a 'keys' array.";
                return false;
            }

            foreach (var member in members.EnumerateArray())
            {
                if (member.ValueKind != JsonValueKind.Object)
                {
                    problem = "Each key of the JWK Set must be a JSON object.";
                    return false;
                }

                if (PrivateMembers.FirstOrDefault(name => member.TryGetProperty(name, out _)) is { } secret)
                {
                    problem = $"The JWK Set holds private or symmetric key material ('{secret}'); register public keys only.";
                    return false;
                }
            }

            var set = new JsonWebKeySet(json) { SkipUnresolvedJsonWebKeys = false };
            var usable = new List<SecurityKey>();
            foreach (var key in set.Keys)
            {
                if (key.Kty is not (JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve))
                {
                    problem = $"The key type '{key.Kty}' is not accepted; use RSA or EC keys.";
                    return false;
                }

                if (key.Use is not (null or "sig"))
                {
                    continue;
                }

                usable.Add(key);
            }

            if (usable.Count == 0)
            {
                problem = "The JWK Set has no signing key.";
                return false;
            }

            keys = usable;
            return true;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            problem = "The JWK Set is not valid JSON.";
            return false;
        }
    }

    /// <summary>Why a jwks_uri cannot be registered, or null: an absolute https URL without fragment or user information.</summary>
    public static string? UriProblem(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme == Uri.UriSchemeHttps && parsed.Fragment.Length == 0 && parsed.UserInfo.Length == 0
            ? null
            : $"'{uri}' is not an https URL without fragment or user information.";
}
