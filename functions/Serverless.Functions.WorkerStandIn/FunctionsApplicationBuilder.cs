// Stand-in for: Microsoft.Azure.Functions.Worker.Builder.FunctionsApplicationBuilder
// Package: Microsoft.Azure.Functions.Worker 2.52.0
// Source: Azure/azure-functions-dotnet-worker, src/DotNetWorker/Builder/FunctionsApplicationBuilder.cs
// The real class implements IHostApplicationBuilder and IFunctionsWorkerApplicationBuilder and has an internal
// constructor; only the members Program.cs uses are declared here, with their real types.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Functions.WorkerStandIn;

namespace Microsoft.Azure.Functions.Worker.Builder;

public class FunctionsApplicationBuilder
{
    internal FunctionsApplicationBuilder()
    {
    }

    public ConfigurationManager Configuration => throw StandInOnly.NotRunnable(nameof(FunctionsApplicationBuilder) + "." + nameof(Configuration));

    public ILoggingBuilder Logging => throw StandInOnly.NotRunnable(nameof(FunctionsApplicationBuilder) + "." + nameof(Logging));

    public IServiceCollection Services => throw StandInOnly.NotRunnable(nameof(FunctionsApplicationBuilder) + "." + nameof(Services));

    public IHost Build() => throw StandInOnly.NotRunnable(nameof(FunctionsApplicationBuilder) + "." + nameof(Build));
}
