// Stand-in for: Microsoft.Azure.Functions.Worker.TimerTriggerAttribute
// Package: Microsoft.Azure.Functions.Worker.Extensions.Timer 4.3.1
// Source: Azure/azure-functions-dotnet-worker, extensions/Worker.Extensions.Timer/src/TimerTriggerAttribute.cs
// The real class derives from TriggerBindingAttribute and carries [BindingCapabilities(FunctionLevelRetry)]; the app
// names neither, so the stand-in derives from Attribute.
namespace Microsoft.Azure.Functions.Worker;

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class TimerTriggerAttribute : Attribute
{
    public TimerTriggerAttribute(string schedule)
    {
        Schedule = schedule;
        UseMonitor = true;
    }

    public string Schedule { get; private set; }

    public bool UseMonitor { get; set; }

    public bool RunOnStartup { get; set; }
}
