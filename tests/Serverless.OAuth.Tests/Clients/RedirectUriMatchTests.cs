using Serverless.OAuth.Clients;

namespace Serverless.OAuth.Tests.Clients;

/// <summary>Exact redirect URI matching, and its one exception: RFC 8252 §7.3 loopback IP redirects with any port.</summary>
public sealed class RedirectUriMatchTests
{
    [Theory]
    [InlineData("https://app.example/cb", "https://app.example/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:1/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:65535/cb")]
    [InlineData("http://127.0.0.1/cb?x=1", "http://127.0.0.1:8080/cb?x=1")]
    [InlineData("http://127.0.0.1", "http://127.0.0.1:8080")]
    [InlineData("http://[::1]/cb", "http://[::1]:51004/cb")]
    [InlineData("http://127.0.0.1:9/cb", "http://127.0.0.1:9/cb")]
    public void Matches(string registered, string presented) =>
        Assert.True(RedirectUriMatch.Matches(registered, presented));

    [Theory]
    [InlineData("https://app.example/cb", "https://app.example/cb/")] // nothing but loopback is relaxed
    [InlineData("https://app.example/cb", "https://app.example:8443/cb")]
    [InlineData("http://localhost/cb", "http://localhost:8080/cb")] // a name, not a loopback IP literal (RFC 8252 §8.3)
    [InlineData("http://127.0.0.1:9/cb", "http://127.0.0.1:10/cb")] // a registered port is kept
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb/")] // the path still matches exactly
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:8080/CB")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb?x=1")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb#f")]
    [InlineData("http://127.0.0.1/cb", "https://127.0.0.1:8080/cb")] // not another scheme
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.2:8080/cb")] // not another address
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1.evil.example:8080/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:@evil.example/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:80@evil.example/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:/cb")] // an empty port
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:0/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:08080/cb")] // not canonical
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:65536/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:99999999999/cb")]
    [InlineData("http://127.0.0.1/cb", "http://[::1]:8080/cb")] // the other loopback address is another URI
    [InlineData("http://[::1]/cb", "http://[::1]:8080/cb/x")]
    [InlineData("http://127.0.0.1.evil.example/cb", "http://127.0.0.1:8080.evil.example/cb")]
    [InlineData("https://app.example/c\u00e4llback", "https://app.example/c\u00e4llback")] // stored before registration refused it
    [InlineData("https://b\u00fccher.example/cb", "https://b\u00fccher.example/cb")]
    public void DoesNotMatch(string registered, string presented) =>
        Assert.False(RedirectUriMatch.Matches(registered, presented));
}
