// Stand-in for: Microsoft.Azure.Functions.Worker.TimerInfo
// Package: Microsoft.Azure.Functions.Worker.Extensions.Timer 4.3.1
// Source: Azure/azure-functions-dotnet-worker, extensions/Worker.Extensions.Timer (TimerInfo; read via the code index)
namespace Microsoft.Azure.Functions.Worker;

/// <summary>What the host passes to a timer function: whether this run is late, and the schedule's state.</summary>
public class TimerInfo
{
    public ScheduleStatus? ScheduleStatus { get; set; }

    public bool IsPastDue { get; set; }
}
