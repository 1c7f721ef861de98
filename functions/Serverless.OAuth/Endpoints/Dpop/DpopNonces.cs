using System.Buffers.Binary;
using System.Security.Cryptography;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Endpoints.Dpop;

/// <summary>
/// Server nonces for DPoP proofs (RFC 9449 §8, §9) without state on any instance: a nonce is the HMAC-SHA256 of the
/// current time step (<see cref="DpopOptions.NonceLifetime"/>) under <see cref="DpopOptions.NonceKey"/>, which every
/// instance shares through configuration. Any instance recomputes the nonces of the current and the previous step and
/// compares, so a nonce one instance issued is accepted by all, and lives one to two steps.
/// </summary>
public sealed class DpopNonces(OAuthServerOptions options, TimeProvider clock)
{
    private readonly byte[]? _key = options.Dpop.NonceKeyBytes();

    /// <summary>Whether proofs must carry a nonce.</summary>
    public bool Required => options.Dpop.RequireNonce && _key is not null;

    /// <summary>The nonce to hand out now.</summary>
    public string Current() => For(Step(clock.GetUtcNow()));

    /// <summary>Whether <paramref name="nonce"/> is this step's or the previous step's nonce.</summary>
    public bool IsValid(string? nonce)
    {
        if (nonce is not { Length: > 0 and <= 64 })
        {
            return false;
        }

        var step = Step(clock.GetUtcNow());
        return SecretValues.FixedTimeEquals(nonce, For(step)) | SecretValues.FixedTimeEquals(nonce, For(step - 1));
    }

    private long Step(DateTimeOffset now) => now.ToUnixTimeSeconds() / (long)options.Dpop.NonceLifetime.TotalSeconds;

    private string For(long step)
    {
        Span<byte> message = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(message, step);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key ?? throw new InvalidOperationException("OAuth:Dpop:NonceKey is not set."), message, mac);
        return Base64Url.Encode(mac);
    }
}
