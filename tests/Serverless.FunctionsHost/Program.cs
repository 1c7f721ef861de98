using System.Globalization;
using Serverless.FunctionsHost;

// Standalone: serve a built or published Functions app the way 'func start' would, for a person or a script.
//   dotnet run --project tests/Serverless.FunctionsHost -- --app functions/Serverless.Functions/bin/Release/net10.0 --port 7071
// App settings come from the app folder's local.settings.json (Values), then the environment (OAuth__Issuer=...).
string? appDirectory = null;
var port = 7071;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--app" when i + 1 < args.Length:
            appDirectory = args[++i];
            break;
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p):
            port = p;
            i++;
            break;
        default:
            Console.Error.WriteLine("Usage: Serverless.FunctionsHost --app <the Functions app's build or publish folder> [--port 7071]");
            return 2;
    }
}

if (appDirectory is null)
{
    Console.Error.WriteLine("Usage: Serverless.FunctionsHost --app <the Functions app's build or publish folder> [--port 7071]");
    return 2;
}

try
{
    await using var host = await FunctionsHostEmulator.StartAsync(new FunctionsHostOptions
    {
        AppDirectory = appDirectory,
        HttpPort = port,
        Echo = Console.WriteLine,
    });
    foreach (var function in host.Functions)
    {
        var route = function.IsHttp ? HttpFunctionRoute.For(function, host.App.RoutePrefix) : default;
        var trigger = function.IsHttp ? $"{string.Join(",", function.Methods ?? ["*"])} /{route.Template}" : function.TriggerType;
        Console.WriteLine($"  {function.Name}: {trigger}");
    }

    Console.WriteLine($"Serving {host.App.Directory} at {host.BaseAddress} (Ctrl+C stops it)");
    var stop = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.TrySetResult();
    };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
    await Task.WhenAny(stop.Task, host.WorkerExited);
    Console.WriteLine(host.WorkerExited.IsCompleted ? "The worker exited." : "Stopping.");
    return host.WorkerExited.IsCompleted ? 1 : 0;
}
catch (WorkerStartException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
