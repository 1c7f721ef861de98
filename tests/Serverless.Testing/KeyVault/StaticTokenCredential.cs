using System.Collections.Concurrent;
using Azure.Core;

namespace Serverless.Testing.KeyVault;

/// <summary>A credential that answers a fixed bearer token and records what it was asked for; no Entra call happens.</summary>
public sealed class StaticTokenCredential(string token = "stand-in-bearer-token") : TokenCredential
{
    private int _calls;

    public string Token { get; } = token;

    public ConcurrentQueue<TokenRequestContext> Requests { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        Requests.Enqueue(requestContext);
        return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
