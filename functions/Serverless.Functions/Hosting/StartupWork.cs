using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Serverless.Functions.Hosting;

/// <summary>
/// Start-up work the ASP.NET Core integration registers that this app does not need before its first request.
/// </summary>
internal static class StartupWork
{
    /// <summary>The hosted service of ASP.NET Core Data Protection that reads its key ring when the host starts.</summary>
    public const string DataProtectionKeyRingLoader = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    /// <summary>
    /// Removes the Data Protection key ring's load at start. The integration brings Data Protection in with MVC's
    /// services, and its hosted service reads the key ring before the worker serves anything (on a fresh instance it
    /// creates and writes a key). Nothing in this app protects data with it (the server's cookies and tokens are its
    /// own), and were something to, the key ring would be read on first use: only the eager read goes.
    /// </summary>
    public static void RemoveEagerDataProtectionKeyLoad(IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService) && services[i].ImplementationType?.FullName == DataProtectionKeyRingLoader)
            {
                services.RemoveAt(i);
            }
        }
    }
}
