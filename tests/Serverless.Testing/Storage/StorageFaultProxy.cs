using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.Testing.Storage;

/// <summary>What the proxy does to an operation it picked to fail.</summary>
public enum StorageFault
{
    /// <summary>503 ServerBusy before the request reaches storage: nothing was applied (the service shedding load).</summary>
    ServerBusy,

    /// <summary>
    /// The request reaches storage and is applied, then the answer is replaced by 500 OperationTimedOut: the client
    /// cannot tell whether it was applied, and its retry meets its own first attempt.
    /// </summary>
    OperationTimedOut,
}

/// <summary>
/// Plain HTTP on a free 127.0.0.1 port in front of Azurite's Table service, for storage that throttles, times out and
/// is slow. An operation is one request of the client with all its retries (the Azure SDK sends every retry with the
/// same x-ms-client-request-id). For each new operation a seeded random choice decides whether it fails: a failing
/// operation gets <see cref="FailedAttempts"/> faulty answers, in the Table service's JSON error format, before its
/// requests go through. Every request waits <see cref="Latency"/> first.
/// </summary>
public sealed class StorageFaultProxy : IAsyncDisposable
{
    private const string ClientRequestIdHeader = "x-ms-client-request-id";

    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Host", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly WebApplication _app;
    private readonly AzuriteServer _azurite;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None });
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly Lock _randomLock = new();
    private Random _random;
    private int _requests;
    private int _faults;

    private StorageFaultProxy(WebApplication app, AzuriteServer azurite, int seed)
    {
        _app = app;
        _azurite = azurite;
        _random = new Random(seed);
    }

    /// <summary>The share of operations that fail, 0 to 1.</summary>
    public double FailureShare { get; set; }

    /// <summary>How many attempts of a failing operation are answered with a fault; int.MaxValue: storage stays down.</summary>
    public int FailedAttempts { get; set; } = 1;

    public StorageFault Fault { get; set; } = StorageFault.ServerBusy;

    /// <summary>When set, the faults apply only to this kind of operation.</summary>
    public StorageOperation? Only { get; set; }

    public TimeSpan Latency { get; set; }

    public int Port { get; private set; }

    /// <summary>Requests received, every retry counted.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests answered with a fault.</summary>
    public int Faults => Volatile.Read(ref _faults);

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteServer.AccountKey};TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    /// <summary>Storage options through this proxy, with their own table prefix.</summary>
    public StorageOptions NewStorage() => new()
    {
        ConnectionString = ConnectionString,
        TablePrefix = "t" + Guid.NewGuid().ToString("N")[..12],
    };

    public static async Task<StorageFaultProxy> StartAsync(AzuriteServer azurite, int seed = 17)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new StorageFaultProxy(app, azurite, seed);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        proxy.Port = new Uri(address).Port;
        return proxy;
    }

    /// <summary>Healthy again, with the random sequence started afresh from <paramref name="seed"/>.</summary>
    public void Heal(int seed = 17)
    {
        FailureShare = 0;
        _attempts.Clear();
        lock (_randomLock)
        {
            _random = new Random(seed);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, context.RequestAborted);
        }

        var fault = ChooseFault(context.Request);
        if (fault == StorageFault.ServerBusy)
        {
            await WriteErrorAsync(context.Response, HttpStatusCode.ServiceUnavailable, "ServerBusy", "The server is busy.");
            return;
        }

        using var upstream = await ForwardAsync(context.Request);
        if (fault == StorageFault.OperationTimedOut)
        {
            // Applied upstream; the answer is lost.
            await WriteErrorAsync(context.Response, HttpStatusCode.InternalServerError, "OperationTimedOut", "Operation could not be completed within the specified time.");
            return;
        }

        context.Response.StatusCode = (int)upstream.StatusCode;
        foreach (var header in upstream.Headers.Concat(upstream.Content.Headers))
        {
            if (!HopByHopHeaders.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        await upstream.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private StorageFault? ChooseFault(HttpRequest request)
    {
        if (FailureShare <= 0 || (Only is { } only && StorageOperations.Of(request.Method, request.Path.Value!, request.Headers.IfMatch.ToString()) != only))
        {
            return null;
        }

        var operation = request.Headers[ClientRequestIdHeader].ToString();
        if (operation.Length == 0)
        {
            operation = Guid.NewGuid().ToString();
        }

        var attempt = _attempts.AddOrUpdate(operation, 1, (_, n) => n + 1);
        bool failing;
        if (attempt == 1)
        {
            lock (_randomLock)
            {
                failing = _random.NextDouble() < FailureShare;
            }

            if (!failing)
            {
                _attempts[operation] = int.MinValue; // decided: this operation goes through
            }
        }
        else
        {
            failing = attempt > 0;
        }

        if (!failing || attempt > FailedAttempts)
        {
            return null;
        }

        Interlocked.Increment(ref _faults);
        return Fault;
    }

    private async Task<HttpResponseMessage> ForwardAsync(HttpRequest request)
    {
        // The raw target, not Path (which ASP.NET Core decodes): the shared-key signature covers the path as encoded.
        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var target = new Uri($"http://127.0.0.1:{_azurite.Port}{rawTarget}");
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            body.Position = 0;
            message.Content = new StreamContent(body);
        }

        foreach (var header in request.Headers)
        {
            if (HopByHopHeaders.Contains(header.Key))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                message.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }

        return await _upstream.SendAsync(message, HttpCompletionOption.ResponseContentRead);
    }

    /// <summary>The Table service's error shape: the code in x-ms-error-code and in an OData JSON body.</summary>
    private static Task WriteErrorAsync(HttpResponse response, HttpStatusCode status, string code, string message)
    {
        response.StatusCode = (int)status;
        response.Headers["x-ms-error-code"] = code;
        response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        response.ContentType = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8";
        var text = $"{message}\nRequestId:{Guid.NewGuid()}\nTime:{DateTime.UtcNow:O}";
        var body = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["odata.error"] = new Dictionary<string, object> { ["code"] = code, ["message"] = new Dictionary<string, string> { ["lang"] = "en-US", ["value"] = text } },
        });
        return response.WriteAsync(body, Encoding.UTF8);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
