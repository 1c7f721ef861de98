// Stand-in for: Microsoft.Azure.Functions.Worker.Builder.FunctionsApplicationBuilderAspNetCoreExtensions
// Package: Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore 2.1.0
// Source: Azure/azure-functions-dotnet-worker,
//         extensions/Worker.Extensions.Http.AspNetCore/src/FunctionsApplicationBuilderAspNetCoreExtensions.cs
// In 2.x the extension the FunctionsApplication builder uses extends FunctionsApplicationBuilder itself (the IHostBuilder
// overload lives in Microsoft.Extensions.Hosting.FunctionsHostBuilderExtensions and is not used here).
using Serverless.Functions.WorkerStandIn;

namespace Microsoft.Azure.Functions.Worker.Builder;

public static class FunctionsApplicationBuilderAspNetCoreExtensions
{
    public static FunctionsApplicationBuilder ConfigureFunctionsWebApplication(this FunctionsApplicationBuilder builder) =>
        throw StandInOnly.NotRunnable(nameof(ConfigureFunctionsWebApplication));
}
