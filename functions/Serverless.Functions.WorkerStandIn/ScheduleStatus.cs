// Stand-in for: Microsoft.Azure.Functions.Worker.ScheduleStatus
// Package: Microsoft.Azure.Functions.Worker.Extensions.Timer 4.3.1
// Source: Azure/azure-functions-dotnet-worker, extensions/Worker.Extensions.Timer (ScheduleStatus)
namespace Microsoft.Azure.Functions.Worker;

public class ScheduleStatus
{
    public DateTime Last { get; set; }

    public DateTime Next { get; set; }

    public DateTime LastUpdated { get; set; }
}
