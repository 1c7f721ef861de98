// Stand-in for: Microsoft.Azure.Functions.Worker.FunctionAttribute
// Package: Microsoft.Azure.Functions.Worker.Core 2.52.0 (brought in by Microsoft.Azure.Functions.Worker 2.52.0)
// Source: Azure/azure-functions-dotnet-worker, src/DotNetWorker.Core (the Worker.Core assembly). The file itself was not
// found in the indexed source; the constructor (string name) and Name are those every sample and the worker SDK's
// generator use.
namespace Microsoft.Azure.Functions.Worker;

/// <summary>Marks a method as a function and names it.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class FunctionAttribute : Attribute
{
    public FunctionAttribute(string name)
    {
        Name = name;
    }

    public string Name { get; }
}
