// Stand-in for: Microsoft.Azure.Functions.Worker.AuthorizationLevel
// Package: Microsoft.Azure.Functions.Worker.Extensions.Http 3.x (3.3.0 current), a dependency of .Extensions.Http.AspNetCore 2.1.0
// Source: Azure/azure-functions-dotnet-worker, extensions/Worker.Extensions.Http/src/AuthorizationLevel.cs
namespace Microsoft.Azure.Functions.Worker;

/// <summary>The key an HTTP function requires; the values are the real ones, since the host reads them.</summary>
public enum AuthorizationLevel
{
    Anonymous = 0,
    User = 1,
    Function = 2,
    System = 3,
    Admin = 4,
}
