using System.Text.RegularExpressions;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Infrastructure.Telemetry;

public sealed partial class EventIdsTests
{
    [Fact]
    public void NoIdOrNameIsUsedTwice()
    {
        Assert.Empty(EventIds.All.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(EventIds.All.GroupBy(e => e.Name).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [Fact]
    public void EveryFieldIsListed()
    {
        var fields = typeof(EventIds).GetFields().Where(f => f.IsStatic).Select(f => f.Name).Order();
        Assert.Equal(fields, EventIds.All.Select(e => e.Name!).Order());
    }

    /// <summary>An id minted anywhere else (a literal EventId, or a LoggerMessage with a number) would bypass the one list.</summary>
    [Fact]
    public void NoOtherFileMintsAnEventId()
    {
        var functions = Path.Combine(RepositoryPaths.Root, "functions");
        var minted = Directory.EnumerateFiles(functions, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && Path.GetFileName(path) != "EventIds.cs")
            .Where(path => MintedId().IsMatch(File.ReadAllText(path)))
            .Select(path => Path.GetRelativePath(functions, path));
        Assert.Empty(minted);
    }

    [GeneratedRegex(@"new\s+EventId\s*\(|EventId\s+\w+\s*=\s*new\s*\(\s*\d|EventId\s*=\s*\d")]
    private static partial Regex MintedId();
}
