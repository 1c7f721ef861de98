using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Http;

namespace Serverless.Functions.Tests;

/// <summary>One function method of the app, as the worker SDK discovers it: a [Function] method of a public class.</summary>
public sealed record DiscoveredFunction(string Name, MethodInfo Method, HttpTriggerAttribute? HttpTrigger, TimerTriggerAttribute? TimerTrigger, QueueTriggerAttribute? QueueTrigger)
{
    /// <summary>How many trigger attributes its parameters carry: a function has exactly one.</summary>
    public int Triggers => (HttpTrigger is null ? 0 : 1) + (TimerTrigger is null ? 0 : 1) + (QueueTrigger is null ? 0 : 1);

    /// <summary>The contract's route this function serves: its Route, with the site-root template read as "".</summary>
    public string? ContractRoute => HttpTrigger?.Route == FunctionRoutes.SiteRoot ? "" : HttpTrigger?.Route;

    public override string ToString() => Name;
}

public static class FunctionCatalog
{
    public static IReadOnlyList<DiscoveredFunction> All { get; } = Discover();

    public static IEnumerable<DiscoveredFunction> Http => All.Where(f => f.HttpTrigger is not null);

    private static List<DiscoveredFunction> Discover() =>
        typeof(HomeFunction).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .Select(x => new DiscoveredFunction(
                x.Function!.Name,
                x.Method,
                x.Method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).SingleOrDefault(a => a is not null),
                x.Method.GetParameters().Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).SingleOrDefault(a => a is not null),
                x.Method.GetParameters().Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()).SingleOrDefault(a => a is not null)))
            .ToList();
}
