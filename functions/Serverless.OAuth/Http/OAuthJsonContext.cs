using System.Text.Json.Serialization;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Http;

/// <summary>
/// The serializers of every JSON body the endpoints answer with, generated at build time: no reflection at run time,
/// and a body type missing here fails in the tests (<see cref="EndpointHttpResult"/> has no fallback), not in production
/// by surprise. Null members are left out.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(DeviceAuthorizationResponse))]
[JsonSerializable(typeof(AuthorizationServerMetadata))]
[JsonSerializable(typeof(OpenIdProviderMetadata))]
[JsonSerializable(typeof(JsonWebKeySet))]
[JsonSerializable(typeof(IntrospectionResponse))]
[JsonSerializable(typeof(ResourceResponse))]
[JsonSerializable(typeof(ProtectedResourceMetadata))]
[JsonSerializable(typeof(UserInfoResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(ClientRegistrationResponse))]
[JsonSerializable(typeof(PushedAuthorizationResponse))]
internal sealed partial class OAuthJsonContext : JsonSerializerContext;
