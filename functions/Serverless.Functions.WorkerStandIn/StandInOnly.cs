namespace Serverless.Functions.WorkerStandIn;

/// <summary>
/// What every stand-in member that would do work throws: the stand-in exists so the Functions app compiles where the
/// worker packages cannot be restored; running it needs the real packages (build with FunctionsWorker=Packages).
/// </summary>
internal static class StandInOnly
{
    public static NotSupportedException NotRunnable(string member) => new(
        $"{member} is part of the Functions worker stand-in (FunctionsWorker=StandIn), which only compiles the app. " +
        "Build with -p:FunctionsWorker=Packages on a machine that reaches nuget.org to run it with 'func start'.");
}
