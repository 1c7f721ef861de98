using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Infrastructure.Signing;

public sealed class LocalSigningKeyProviderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "keys-" + Guid.NewGuid().ToString("N"), "signing-keys.json");
    private readonly ManualClock _clock = new();

    private LocalSigningKeyProvider Provider(string algorithm = "ES256") =>
        new(_path, algorithm, new OAuthServerOptions(), _clock, NullLogger<LocalSigningKeyProvider>.Instance);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);

    [Fact]
    public async Task TheKeySurvivesARestart_AndTheFileIsOwnerOnly()
    {
        var first = await Provider().GetSigningKeyAsync(default);

        var again = await Provider().GetSigningKeyAsync(default);

        Assert.Equal(first.KeyId, again.KeyId);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path));
        }
    }

    [Fact]
    public async Task Rotation_PublishesTheNewKeyFirst_AndKeepsTheOldKeyPublished_UntilItsTokensHaveExpired()
    {
        var provider = Provider();
        var old = await provider.GetSigningKeyAsync(default);

        var rotated = await provider.RotateAsync(default);

        // Published at once, signing only after one refresh interval (5 minutes), so resource servers know it first.
        Assert.NotEqual(old.KeyId, rotated.KeyId);
        Assert.Equal(old.KeyId, (await provider.GetSigningKeyAsync(default)).KeyId);
        Assert.Equal([old.KeyId, rotated.KeyId], (await provider.GetPublicKeysAsync(default)).Select(k => k.KeyId));

        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(rotated.KeyId, (await provider.GetSigningKeyAsync(default)).KeyId);
        Assert.Equal(rotated.KeyId, (await Provider().GetSigningKeyAsync(default)).KeyId);

        // The old key signed until then: its tokens live 10 minutes more, plus 1 minute of clock skew.
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal([old.KeyId, rotated.KeyId], (await provider.GetPublicKeysAsync(default)).Select(k => k.KeyId));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([rotated.KeyId], (await provider.GetPublicKeysAsync(default)).Select(k => k.KeyId));
        Assert.Equal([rotated.KeyId], (await Provider().GetPublicKeysAsync(default)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task TheProvidersOfTwoAlgorithms_ShareTheFile_EachWithItsOwnKeys()
    {
        var es = Provider("ES256");
        var rs = Provider("RS256");

        // At once, as the ring's first JWKS request does: neither may write over the other's new key.
        var keys = await Task.WhenAll(Task.Run(() => es.GetSigningKeyAsync(default).AsTask()), Task.Run(() => rs.GetSigningKeyAsync(default).AsTask()));

        Assert.Equal(["ES256", "RS256"], keys.Select(k => k.Algorithm));
        Assert.Equal([keys[0].KeyId], (await es.GetPublicKeysAsync(default)).Select(k => k.KeyId));
        Assert.Equal([keys[1].KeyId], (await rs.GetPublicKeysAsync(default)).Select(k => k.KeyId));
        Assert.Equal(keys[0].KeyId, (await Provider("ES256").GetSigningKeyAsync(default)).KeyId);
        Assert.Equal(keys[1].KeyId, (await Provider("RS256").GetSigningKeyAsync(default)).KeyId);
    }

    [Fact]
    public async Task PublishedKeys_HaveNoPrivatePart()
    {
        var key = (await Provider().GetPublicKeysAsync(default)).Single();

        var json = System.Text.Json.JsonSerializer.Serialize(key);
        Assert.DoesNotContain("\"d\"", json);
        Assert.Contains("\"use\":\"sig\"", json);
    }
}
