using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Infrastructure.Signing;

public sealed class SigningKeyRingTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "ring-" + Guid.NewGuid().ToString("N"), "signing-keys.json");
    private readonly ManualClock _clock = new();
    private readonly SigningKeyRing _ring;

    public SigningKeyRingTests() => _ring = new SigningKeyRing(SigningAlgorithms.All.ToDictionary(
        algorithm => algorithm,
        ISigningKeyProvider (algorithm) => new LocalSigningKeyProvider(_path, algorithm, new OAuthServerOptions(), _clock, NullLogger<LocalSigningKeyProvider>.Instance)));

    public void Dispose()
    {
        _ring.Dispose();
        Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
    }

    [Fact]
    public async Task EachAlgorithm_HasItsOwnSigner_AndTheJwksPublishesBoth()
    {
        var es = await _ring.For("ES256").GetSigningKeyAsync(default);
        var rs = await _ring.For("RS256").GetSigningKeyAsync(default);

        Assert.Equal(("ES256", "RS256"), (es.Algorithm, rs.Algorithm));
        Assert.Equal([es.KeyId, rs.KeyId], (await _ring.GetPublicKeysAsync(default)).Select(k => k.KeyId));
        Assert.Throws<ArgumentException>(() => _ring.For("PS256"));
    }

    [Fact]
    public async Task ThePublishedList_IsTheSameObject_UntilAKeyChanges()
    {
        var first = await _ring.GetPublicKeysAsync(default);

        Assert.Same(first, await _ring.GetPublicKeysAsync(default));

        var rotated = await _ring.RotateAsync(default);
        var after = await _ring.GetPublicKeysAsync(default);

        Assert.NotSame(first, after);
        Assert.Equal(["ES256", "RS256"], rotated.Select(k => k.Algorithm));
        Assert.Equal(4, after.Count);
    }
}
