using System.Text.Json.Serialization;
using Serverless.OAuth.Tokens;

namespace Serverless.OAuth.Http;

/// <summary>
/// Source-generated serializers for the bodies on the hot path: the token response and the error body. Every other
/// body (metadata, JWKS, introspection) still goes through reflection, which is fine for them: they are rare or cached.
/// </summary>
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class OAuthJsonContext : JsonSerializerContext;
