using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.OAuth.Http;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>Every route of the contract (the server's OAuthRoutes and the demo's DemoRoutes) is exactly one anonymous function, and nothing else is.</summary>
public sealed class FunctionRouteTests
{
    private static readonly IReadOnlyList<OAuthRoute> Contract = ContractRoutes.All;

    [Theory]
    [MemberData(nameof(ContractRoutes.MethodsAndRoutes), MemberType = typeof(ContractRoutes))]
    public void EveryContractRoute_IsExactlyOneAnonymousFunction(string method, string route)
    {
        var matches = FunctionCatalog.Http
            .Where(f => f.HttpTrigger!.Methods?.Contains(method, StringComparer.OrdinalIgnoreCase) == true && f.ContractRoute == route)
            .ToList();

        var function = Assert.Single(matches);
        Assert.Equal(AuthorizationLevel.Anonymous, function.HttpTrigger!.AuthLevel);
    }

    [Fact]
    public void EveryHttpFunction_ServesOneMethodOfOneContractRoute()
    {
        var contract = Contract.Select(r => (r.Method, r.Route)).ToHashSet();
        foreach (var function in FunctionCatalog.Http)
        {
            var method = Assert.Single(function.HttpTrigger!.Methods ?? []);
            Assert.True(
                contract.Contains((method.ToUpperInvariant(), function.ContractRoute!)),
                $"{function.Name} serves {method} '{function.HttpTrigger.Route}', which is not in the contract.");
            Assert.Equal(AuthorizationLevel.Anonymous, function.HttpTrigger.AuthLevel);
        }

        Assert.Equal(Contract.Count, FunctionCatalog.Http.Count());
    }

    [Fact]
    public void FunctionNames_AreUnique_AndEveryFunctionHasOneTrigger()
    {
        Assert.Equal(FunctionCatalog.All.Count, FunctionCatalog.All.Select(f => f.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(FunctionCatalog.All, f => Assert.True(f.Triggers == 1, $"{f.Name} needs exactly one trigger."));
        Assert.All(FunctionCatalog.All, f => Assert.True(f.Method.IsPublic && f.Method.DeclaringType!.IsPublic, $"{f.Name} must be public."));
    }

    [Fact]
    public void ThePurge_IsTheOnlyTimer_AndReadsItsScheduleFromSettings()
    {
        var timer = Assert.Single(FunctionCatalog.All, f => f.TimerTrigger is not null);
        Assert.Equal("%PurgeSchedule%", timer.TimerTrigger!.Schedule);
    }

    [Fact]
    public void ThePurgeBuckets_AreTheOnlyQueueTrigger_OnTheQueueNamedInSettings_InTheHostStorage()
    {
        var queue = Assert.Single(FunctionCatalog.All, f => f.QueueTrigger is not null);
        Assert.Equal("ExpiryPurgeBucket", queue.Name);
        Assert.Equal($"%{Maintenance.PurgeQueue.QueueNameSetting}%", queue.QueueTrigger!.QueueName);
        // No connection named: the trigger reads AzureWebJobsStorage, the connection PurgeQueue sends through.
        Assert.Null(queue.QueueTrigger.Connection);
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("", true)]
    [InlineData("/token", false)]
    [InlineData("/x", false)]
    public void TheSiteRootTemplate_MatchesOnlyTheRoot(string path, bool matches)
    {
        // The host routes with ASP.NET Core templates and inline constraints, as here.
        var template = TemplateParser.Parse(FunctionRoutes.SiteRoot);
        var values = new RouteValueDictionary();
        var matched = new TemplateMatcher(template, new RouteValueDictionary()).TryMatch(path, values);

        var services = new ServiceCollection().AddRouting().BuildServiceProvider();
        var resolver = services.GetRequiredService<IInlineConstraintResolver>();
        foreach (var parameter in template.Parameters.Where(p => values.ContainsKey(p.Name!)))
        {
            foreach (var constraint in parameter.InlineConstraints)
            {
                matched &= resolver.ResolveConstraint(constraint.Constraint)!
                    .Match(new DefaultHttpContext(), null, parameter.Name!, values, RouteDirection.IncomingRequest);
            }
        }

        Assert.Equal(matches, matched);
    }

    /// <summary>
    /// Each function answers exactly what its contract route's handler answers (status, headers, body) for the same
    /// request, so a function wired to the wrong handler fails here even where its route is right.
    /// </summary>
    [Theory]
    [MemberData(nameof(ContractRoutes.MethodsAndRoutes), MemberType = typeof(ContractRoutes))]
    public async Task EveryFunction_AnswersLikeItsContractHandler(string method, string route)
    {
        await using var services = await OAuthTestServices.CreateAsync();
        var contract = Contract.Single(r => r.Method == method && r.Route == route);
        var function = FunctionCatalog.Http.Single(f => f.HttpTrigger!.Methods!.Contains(method, StringComparer.OrdinalIgnoreCase) && f.ContractRoute == route);
        var form = method == "POST" ? "" : null;

        var functionRequest = HttpExchange.Request(services.Provider, method, "/" + route, form);
        var instance = services.CreateFunction(function.Method.DeclaringType!);
        var result = await (Task<IResult>)function.Method.Invoke(instance, [functionRequest])!;
        var fromFunction = await HttpExchange.ExecuteAsync(result, functionRequest);

        var handlerRequest = HttpExchange.Request(services.Provider, method, "/" + route, form);
        var fromHandler = await HttpExchange.ExecuteAsync(await contract.Handler(handlerRequest), handlerRequest);

        HttpExchange.AssertSame(fromHandler, fromFunction);
    }

    [Fact]
    public void AnHttpFunction_TakesOnlyTheRequest()
    {
        // The worker binds HttpRequest through the ASP.NET Core integration; anything else would need a binding.
        Assert.All(FunctionCatalog.Http, f =>
        {
            var parameter = Assert.Single(f.Method.GetParameters());
            Assert.Equal(typeof(HttpRequest), parameter.ParameterType);
            Assert.Equal(typeof(Task<IResult>), f.Method.ReturnType);
        });
    }
}
