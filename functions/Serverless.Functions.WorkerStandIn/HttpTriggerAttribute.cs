// Stand-in for: Microsoft.Azure.Functions.Worker.HttpTriggerAttribute
// Package: Microsoft.Azure.Functions.Worker.Extensions.Http 3.x (3.3.0 current), a dependency of .Extensions.Http.AspNetCore 2.1.0
// Source: Azure/azure-functions-dotnet-worker, extensions/Worker.Extensions.Http/src/HttpTriggerAttribute.cs
// The real class derives from Microsoft.Azure.Functions.Worker.Extensions.Abstractions.TriggerBindingAttribute; the
// app never names that base, so the stand-in derives from Attribute. Constructors and properties are the real ones
// (an attribute's constructor only records its arguments, which is what the routing tests read back).
namespace Microsoft.Azure.Functions.Worker;

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class HttpTriggerAttribute : Attribute
{
    public HttpTriggerAttribute()
    {
        AuthLevel = AuthorizationLevel.Function;
    }

    public HttpTriggerAttribute(params string[] methods)
    {
        Methods = methods;
    }

    public HttpTriggerAttribute(AuthorizationLevel authLevel)
    {
        AuthLevel = authLevel;
    }

    public HttpTriggerAttribute(AuthorizationLevel authLevel, params string[] methods)
    {
        AuthLevel = authLevel;
        Methods = methods;
    }

    public string? Route { get; set; }

    public string[]? Methods { get; private set; }

    public AuthorizationLevel AuthLevel { get; private set; }
}
