// Stand-in for: Microsoft.Azure.Functions.Worker.Builder.FunctionsApplication
// Package: Microsoft.Azure.Functions.Worker 2.52.0
// Source: Azure/azure-functions-dotnet-worker, src/DotNetWorker/Builder/FunctionsApplication.cs
using Serverless.Functions.WorkerStandIn;

namespace Microsoft.Azure.Functions.Worker.Builder;

public class FunctionsApplication
{
    public static FunctionsApplicationBuilder CreateBuilder(string[] args) =>
        throw StandInOnly.NotRunnable(nameof(FunctionsApplication) + "." + nameof(CreateBuilder));
}
