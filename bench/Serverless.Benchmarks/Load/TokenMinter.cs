using System.Net;
using Serverless.Benchmarks.Hosting;
using Serverless.OAuth.Grants;

namespace Serverless.Benchmarks.Load;

/// <summary>
/// Makes the single-use inputs of a load run ahead of it: authorization codes, written through the server's own
/// <see cref="GrantStore"/> (as POST /authorize writes them), and refresh tokens, obtained by exchanging such codes
/// over HTTP. Each line of the files it writes is one complete form body.
/// </summary>
public sealed class TokenMinter(BenchmarkHost host, string clientId, string subject)
{
    private const int Parallelism = 32;

    public async Task<string[]> MintCodesAsync(int count)
    {
        var grants = host.Get<IGrantStore>();
        var clock = host.Get<TimeProvider>();
        var lifetime = host.Options.AuthorizationCodeLifetime;
        var codes = new string[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, cancellationToken) =>
        {
            var now = clock.GetUtcNow();
            codes[i] = await grants.CreateCodeAsync(new CodeGrant
            {
                ClientId = clientId,
                RedirectUri = BenchmarkHost.RedirectUri,
                CodeChallenge = FlowClient.Challenge,
                Scope = "read write offline_access",
                Subject = subject,
                AuthTime = now,
            }, now + lifetime, cancellationToken);
        });
        return codes;
    }

    public async Task<string[]> MintRefreshTokensAsync(int count)
    {
        var codes = await MintCodesAsync(count);
        var tokens = new string[count];
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Parallelism }) { BaseAddress = host.BaseAddress };
        var flow = new FlowClient(http);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            tokens[i] = (await flow.ExchangeCodeAsync(clientId, codes[i])).RefreshToken!;
        });
        return tokens;
    }

    public static string CodeExchangeBody(string clientId, string code) =>
        $"grant_type=authorization_code&code={Encode(code)}&redirect_uri={Encode(BenchmarkHost.RedirectUri)}&client_id={Encode(clientId)}&code_verifier={Encode(FlowClient.Verifier)}";

    public static string RefreshBody(string clientId, string refreshToken) =>
        $"grant_type=refresh_token&refresh_token={Encode(refreshToken)}&client_id={Encode(clientId)}";

    private static string Encode(string value) => WebUtility.UrlEncode(value);
}
