using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.FunctionsHost.Rpc;
using Microsoft.AspNetCore.HttpOverrides;
using Yarp.ReverseProxy.Forwarder;

namespace Serverless.FunctionsHost;

/// <summary>
/// Does for one Functions app what the Azure Functions host does for an isolated worker with the ASP.NET Core
/// integration: serves the FunctionRpc stream over h2c gRPC on one 127.0.0.1 port, starts the worker, loads its
/// functions, serves their HTTP routes on another port by forwarding each request to the worker with its invocation
/// id (as the host's DefaultHttpProxyService does with YARP) while sending the InvocationRequest, fires timer
/// functions and delivers the messages of queue functions on demand. What the real host does beyond that (keys and
/// authLevel, the scale controller, timer schedules and their blob leases, queue polling, identity-based connections,
/// Application Insights) is not emulated.
/// </summary>
public sealed class FunctionsHostEmulator : IAsyncDisposable
{
    /// <summary>The header that pairs a forwarded request with its InvocationRequest (ScriptConstants.HttpProxyCorrelationHeader).</summary>
    public const string CorrelationHeader = "x-ms-invocation-id";

    private static readonly TimeSpan TerminateGracePeriod = TimeSpan.FromSeconds(5);

    private readonly WebApplication _rpcServer;
    private readonly WorkerChannel _channel;
    private readonly WorkerProcess _worker;
    private WebApplication? _httpServer;

    private readonly IReadOnlyDictionary<string, string?> _settings;

    private FunctionsHostEmulator(AppFolder app, WebApplication rpcServer, WorkerChannel channel, WorkerProcess worker, Uri baseAddress, WorkerOutput output, IReadOnlyDictionary<string, string?> settings)
    {
        App = app;
        _settings = settings;
        _rpcServer = rpcServer;
        _channel = channel;
        _worker = worker;
        BaseAddress = baseAddress;
        Output = output;
    }

    public AppFolder App { get; }

    /// <summary>Where the functions' HTTP routes are served, e.g. http://127.0.0.1:7072/.</summary>
    public Uri BaseAddress { get; }

    public WorkerOutput Output { get; }

    public IReadOnlyList<LoadedFunction> Functions { get; private set; } = [];

    /// <summary>When the worker reached each step of its start-up (milliseconds from its process start).</summary>
    public StartupTimeline Timeline => _channel.Timeline;

    /// <summary>The worker process's id (to watch or end it from outside).</summary>
    public int WorkerProcessId => _worker.Id;

    /// <summary>Completes when the worker process exits.</summary>
    public Task WorkerExited => _worker.Exited;

    /// <summary>
    /// Starts the host and the worker and returns once every function is loaded and its routes are served. A worker
    /// that exits, fails to load or is not ready within <see cref="FunctionsHostOptions.StartupTimeout"/> fails this
    /// with its output, and nothing is served.
    /// </summary>
    public static async Task<FunctionsHostEmulator> StartAsync(FunctionsHostOptions options)
    {
        var app = AppFolder.Read(options.AppDirectory);
        var output = new WorkerOutput(options.Echo);
        var channel = new WorkerChannel(app, output);
        var rpcServer = BuildRpcServer(channel);
        await rpcServer.StartAsync();

        var httpPort = options.HttpPort == 0 ? FreePort() : options.HttpPort;
        // Like 'func start', a local setting already in the environment is left to the environment's value.
        var settings = options.UseLocalSettings
            ? app.LocalSettings.Where(s => Environment.GetEnvironmentVariable(s.Key) is null).ToDictionary()
            : [];
        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }

        var grpcUri = new Uri(rpcServer.Urls.Single());
        channel.Timeline.ProcessStarting();
        var worker = WorkerProcess.Start(app, grpcUri, Guid.NewGuid().ToString(), settings, output);
        var host = new FunctionsHostEmulator(app, rpcServer, channel, worker, new Uri($"{(options.HttpsCertificate is null ? "http" : "https")}://127.0.0.1:{httpPort}/"), output, settings);
        try
        {
            await host.WaitUntilLoadedAsync(options.StartupTimeout);
            var disableHomepage = settings.TryGetValue("AzureWebJobsDisableHomepage", out var disable)
                && string.Equals(disable, "true", StringComparison.OrdinalIgnoreCase);
            host._httpServer = host.BuildHttpServer(httpPort, disableHomepage, options.HttpsCertificate);
            await host._httpServer.StartAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Invokes a timer function now, with the TimerInfo the host would pass, and returns the worker's outcome.</summary>
    public async Task<InvocationOutcome> FireTimerAsync(string functionName, bool isPastDue = false, CancellationToken cancellationToken = default)
    {
        var function = Functions.SingleOrDefault(f => f.Name == functionName && f.IsTimer)
            ?? throw new InvalidOperationException($"There is no timer function '{functionName}'.");

        // The WebJobs TimerInfo as the host serializes it (Newtonsoft, PascalCase); the worker's TimerInfoConverter
        // reads it case-insensitively. No schedule monitor runs here, so ScheduleStatus is null, as with UseMonitor off.
        var timerInfo = JsonSerializer.Serialize(new { Schedule = new { AdjustForDST = true }, ScheduleStatus = (object?)null, IsPastDue = isPastDue });
        var request = NewInvocation(function);
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Json = timerInfo } });
        return InvocationOutcome.From(await _channel.InvokeAsync(request, cancellationToken));
    }

    /// <summary>
    /// Delivers what waits in a queue function's queue as the host's queue listener does, and returns once the queue is
    /// empty: messages read base64 (the default messageEncoding), host.json's batchSize of invocations at once, each
    /// message deleted once its invocation succeeded, visible again at once after a failure (visibilityTimeout 0), and
    /// moved to "{queue}-poison" on its maxDequeueCount-th failure (<see cref="AppFolder"/>). The queue and its
    /// connection (a connection string: identity-based ones are not emulated) are read from the app's settings.
    /// </summary>
    public async Task<IReadOnlyList<InvocationOutcome>> DeliverQueueMessagesAsync(string functionName, CancellationToken cancellationToken = default)
    {
        var function = Functions.SingleOrDefault(f => f.Name == functionName && f.IsQueue)
            ?? throw new InvalidOperationException($"There is no queue function '{functionName}'.");
        var queue = QueueOf(function, poison: false);
        var outcomes = new List<InvocationOutcome>();
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(App.QueueBatchSize, TimeSpan.FromMinutes(10), cancellationToken)).Value;
            if (messages.Length == 0)
            {
                return outcomes;
            }

            outcomes.AddRange(await Task.WhenAll(messages.Select(message => DeliverAsync(function, queue, message, cancellationToken))));
        }
    }

    private async Task<InvocationOutcome> DeliverAsync(LoadedFunction function, QueueClient queue, QueueMessage message, CancellationToken cancellationToken)
    {
        var text = message.Body.ToString();
        var request = NewInvocation(function);
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { String = text } });

        // The binding data the queue trigger adds (QueueTriggerBindingStrategy). Numbers go as JSON: the isolated worker
        // refuses TypedData.Int in trigger metadata ("Int is not supported").
        request.TriggerMetadata["QueueTrigger"] = new TypedData { String = text };
        request.TriggerMetadata["Id"] = new TypedData { String = message.MessageId };
        request.TriggerMetadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        request.TriggerMetadata["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        request.TriggerMetadata["InsertionTime"] = new TypedData { Json = JsonSerializer.Serialize(message.InsertedOn) };
        request.TriggerMetadata["ExpirationTime"] = new TypedData { Json = JsonSerializer.Serialize(message.ExpiresOn) };
        request.TriggerMetadata["NextVisibleTime"] = new TypedData { Json = JsonSerializer.Serialize(message.NextVisibleOn) };

        var outcome = await InvokeAsync(request, cancellationToken);

        if (outcome.Succeeded)
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        else if (message.DequeueCount >= App.MaxDequeueCount)
        {
            Output.Add("host", $"{function.Name}: message {message.MessageId} failed {message.DequeueCount} times, moved to the poison queue: {outcome.Error}");
            var poison = QueueOf(function, poison: true);
            await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await poison.SendMessageAsync(text, cancellationToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        else
        {
            Output.Add("host", $"{function.Name}: message {message.MessageId} failed (try {message.DequeueCount}): {outcome.Error}");
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
        }

        return outcome;
    }

    /// <summary>A queue function's queue (or its poison queue), from its binding's queue name and connection setting.</summary>
    public QueueClient QueueOf(LoadedFunction function, bool poison)
    {
        var name = Resolve(function.QueueName ?? throw new InvalidOperationException($"'{function.Name}' names no queue."));
        var connectionSetting = function.Connection ?? "AzureWebJobsStorage";
        var connectionString = Setting(connectionSetting)
            ?? throw new InvalidOperationException($"The queue function '{function.Name}' needs the connection string setting {connectionSetting}.");
        return new QueueClient(connectionString, poison ? name + "-poison" : name, new QueueClientOptions
        {
            MessageEncoding = QueueMessageEncoding.Base64,
        });
    }

    /// <summary>A binding expression's %setting% parts replaced by the settings' values, as the host resolves them.</summary>
    private string Resolve(string expression) => System.Text.RegularExpressions.Regex.Replace(
        expression, "%([^%]+)%", m => Setting(m.Groups[1].Value) ?? throw new InvalidOperationException($"The setting {m.Groups[1].Value} is not set."));

    /// <summary>An app setting as the worker sees it: the emulator's settings, else the environment.</summary>
    private string? Setting(string name) => _settings.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);

    private async Task WaitUntilLoadedAsync(TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource(timeout);
        var deadline = Task.Delay(Timeout.Infinite, timer.Token);
        var first = await Task.WhenAny(_channel.Loaded, _worker.Exited, deadline);
        if (first == _worker.Exited)
        {
            await Task.Delay(200); // the last lines of its output arrive just after the exit
            throw new WorkerStartException($"The worker exited with code {_worker.ExitCode} before its functions were loaded.", Output);
        }

        if (first == deadline)
        {
            throw new WorkerStartException($"The worker did not load its functions within {timeout.TotalSeconds:0} s.", Output);
        }

        try
        {
            Functions = await _channel.Loaded;
        }
        catch (InvalidOperationException e)
        {
            throw new WorkerStartException(e.Message, Output);
        }

        foreach (var function in Functions.Where(f => f.IsHttp))
        {
            if (HttpFunctionRoute.For(function, App.RoutePrefix).Error is { } error)
            {
                Output.Add("host", error);
            }
        }

        // The worker's Kestrel may start after its gRPC client; the host retries connection failures
        // (RetryProxyHandler). Waiting here once means no request meets a worker that is not listening.
        var httpUri = _channel.HttpUri ?? throw new WorkerStartException("The worker did not announce an HttpUri: it is not using the ASP.NET Core integration.", Output);
        while (!await IsListeningAsync(httpUri))
        {
            if (timer.IsCancellationRequested || _worker.HasExited)
            {
                throw new WorkerStartException($"The worker's HTTP listener ({httpUri}) did not start.", Output);
            }

            await Task.Delay(5);
        }

        _channel.Timeline.Listening = _channel.Timeline.Now();
    }

    private static WebApplication BuildRpcServer(WorkerChannel channel)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc =>
        {
            // The host allows messages of any size (int.MaxValue) both ways.
            grpc.MaxReceiveMessageSize = int.MaxValue;
            grpc.MaxSendMessageSize = int.MaxValue;
        });
        builder.Services.AddSingleton(channel);
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        return app;
    }

    private WebApplication BuildHttpServer(int port, bool disableHomepage, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        builder.Services.AddRouting();
        builder.Services.AddHttpForwarder();
        var app = builder.Build();

        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        var client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
        });
        var workerUri = _channel.HttpUri!.ToString();

        // The Functions front end: it appends the client's address to X-Forwarded-For, and the host (App Service applies
        // forwarded headers) takes it as the connection's address, which its forwarder passes on to the worker in
        // X-Forwarded-For. Here the test client plays the front end: the one entry it writes is the client's address.
        app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor });
        app.UseRouting();
        app.Use((context, next) => Homepage(context, next, disableHomepage));

        // The host matches a function's methods with a route constraint (HttpMethodRouteConstraint), so a known
        // route asked with another method finds no function and answers 404, not ASP.NET Core's 405. Read from the
        // host's source, not confirmed against a running host.
        var routed = Functions.Where(f => f.IsHttp)
            .Select(f => (Function: f, HttpFunctionRoute.For(f, App.RoutePrefix).Template))
            .Where(r => r.Template is not null)
            .GroupBy(r => r.Template!, r => r.Function, StringComparer.OrdinalIgnoreCase);
        foreach (var route in routed)
        {
            var functions = route.ToList();
            app.Map(route.Key, context =>
            {
                var function = functions.FirstOrDefault(f => f.Methods is not { Count: > 0 } methods || methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase));
                if (function is null)
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return ForwardAsync(context, function, forwarder, client, workerUri);
            });
        }

        return app;
    }

    /// <summary>
    /// The host's HomepageMiddleware: "/" with no function behind it answers the host's home page, or 204 when
    /// AzureWebJobsDisableHomepage is "true".
    /// </summary>
    private static Task Homepage(HttpContext context, RequestDelegate next, bool disabled)
    {
        if (context.GetEndpoint() is not null || context.Request.Path != "/")
        {
            return next(context);
        }

        if (disabled)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }

        context.Response.ContentType = "text/html";
        return context.Response.WriteAsync("<!DOCTYPE html><title>Your Functions app is up and running</title><p>Your Functions app is up and running.</p>");
    }

    /// <summary>
    /// One HTTP invocation as the host runs it in proxy mode: the request goes to the worker with the invocation id
    /// (started before the InvocationRequest is sent, as DefaultHttpProxyService does), the response comes back over
    /// that connection, and the invocation completes when the forwarding and the worker's InvocationResponse both have.
    /// </summary>
    private async Task ForwardAsync(HttpContext context, LoadedFunction function, IHttpForwarder forwarder, HttpMessageInvoker client, string workerUri)
    {
        var request = NewInvocation(function);
        context.Request.Headers[CorrelationHeader] = request.InvocationId;
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Http = new RpcHttp() } });
        AddTriggerMetadata(request, context);

        var forwarding = forwarder.SendAsync(context, workerUri, client, new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(240) }, HttpTransformer.Default);
        var outcome = await InvokeAsync(request, context.RequestAborted);

        var forwarded = await forwarding;
        if (!outcome.Succeeded || forwarded != ForwarderError.None)
        {
            Output.Add("host", $"{context.Request.Method} {context.Request.Path} -> {function.Name} failed: forwarding {forwarded}, invocation {outcome.Error ?? "succeeded"}");

            // The host fails the invocation; a response the worker has not started becomes a bare 500. Inferred from
            // the host's invocation middleware, not confirmed against a running host.
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
    }

    /// <summary>
    /// The binding data the host sends beside the (empty) HTTP trigger: route values and query parameters by name,
    /// and the Query and Headers as JSON; null values are left out.
    /// </summary>
    private static void AddTriggerMetadata(InvocationRequest request, HttpContext context)
    {
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is not null)
            {
                request.TriggerMetadata[name] = new TypedData { String = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) };
            }
        }

        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        foreach (var (name, value) in query)
        {
            request.TriggerMetadata.TryAdd(name, new TypedData { String = value });
        }

        request.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(query) };
        request.TriggerMetadata["Headers"] = new TypedData { Json = JsonSerializer.Serialize(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString())) };
    }

    /// <summary>The worker's outcome of an invocation; one it could not take (the channel is gone) is a failure, not an exception.</summary>
    private async Task<InvocationOutcome> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return InvocationOutcome.From(await _channel.InvokeAsync(request, cancellationToken));
        }
        catch (InvalidOperationException e)
        {
            return new InvocationOutcome(false, e.Message);
        }
    }

    private static InvocationRequest NewInvocation(LoadedFunction function) => new()
    {
        InvocationId = Guid.NewGuid().ToString(),
        FunctionId = function.FunctionId,

        // The worker requires a trace context (GrpcFunctionInvocation reads TraceParent).
        TraceContext = new RpcTraceContext
        {
            TraceParent = Activity.Current?.Id ?? $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01",
        },
    };

    private static async Task<bool> IsListeningAsync(Uri uri)
    {
        try
        {
            using var socket = new TcpClient();
            await socket.ConnectAsync(uri.Host, uri.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the HTTP routes, asks the worker to terminate, ends its process tree after the grace period, stops gRPC.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_httpServer is not null)
        {
            await _httpServer.StopAsync();
            await _httpServer.DisposeAsync();
        }

        _channel.Terminate(TerminateGracePeriod);
        await _worker.StopAsync(TerminateGracePeriod);
        _worker.Dispose();
        await _rpcServer.StopAsync();
        await _rpcServer.DisposeAsync();
    }
}

/// <summary>What the worker answered for one invocation.</summary>
public sealed record InvocationOutcome(bool Succeeded, string? Error)
{
    internal static InvocationOutcome From(InvocationResponse response) =>
        response.Result?.Status == StatusResult.Types.Status.Success
            ? new InvocationOutcome(true, null)
            : new InvocationOutcome(false, response.Result?.Exception is { } e ? $"{e.Type}: {e.Message}" : response.Result?.Result ?? "failed");
}

/// <summary>The worker could not start; the message ends with what it printed and logged.</summary>
public sealed class WorkerStartException(string message, WorkerOutput output)
    : Exception(message + Environment.NewLine + "Worker output:" + Environment.NewLine + output)
{
}
