using System.Text;
using System.Text.RegularExpressions;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Architecture;

/// <summary>
/// The core's one-way rule (docs/architecture.md): its eight groups are ordered, and a file may import only its own
/// group and groups to its left, by a <c>using</c> (plain, static or alias) or by a qualified name
/// (<c>Serverless.OAuth.Clients.OAuthClient</c>, or <c>Clients.Apis.ApiCatalog</c> resolved from inside the core).
/// Comments and strings do not count. Read from the sources, so it runs in milliseconds and names the file and the import.
/// </summary>
public sealed partial class ImportRuleTests
{
    /// <summary>The groups, left to right: each may import those before it, never those after it.</summary>
    public static readonly IReadOnlyList<string> Groups =
        ["Protocol", "Infrastructure", "Clients", "Identity", "Grants", "Endpoints", "Interaction", "Http"];

    private const string RootNamespace = "Serverless.OAuth";

    private static readonly string Core = Path.Combine(RepositoryPaths.Root, "functions", "Serverless.OAuth");

    [Fact]
    public void NoGroupImportsAGroupToItsRight()
    {
        var violations = Violations(SourceFiles().Select(p => (Path.GetRelativePath(Core, p).Replace('\\', '/'), File.ReadAllText(p))).ToList());
        Assert.True(violations.Count == 0, $"Imports of a group to the right ({string.Join(" < ", Groups)}; docs/architecture.md):\n{string.Join('\n', violations)}");
    }

    [Fact]
    public void TheCoreHasOnlyTheEightGroupsAtItsTop()
    {
        var folders = Directory.EnumerateDirectories(Core).Select(Path.GetFileName).Where(n => n is not ("bin" or "obj")).Order();
        Assert.Equal(Groups.Order(), folders);
        Assert.Empty(Directory.EnumerateFiles(Core, "*.cs").Select(Path.GetFileName));
    }

    [Fact]
    public void TheCheckFindsEveryKindOfImportToTheRight_AndIgnoresCommentsAndStrings()
    {
        var files = new List<(string Path, string Text)>
        {
            ("Protocol/Plain.cs", "using Serverless.OAuth.Grants;\nnamespace Serverless.OAuth.Protocol;"),
            ("Infrastructure/Options/Static.cs", "using static Serverless.OAuth.Clients.Apis.ResourceSelection;\nnamespace Serverless.OAuth.Infrastructure.Options;"),
            ("Clients/Alias.cs", "using V = Serverless.OAuth.Endpoints.Validation.ClientAuthenticator;\nnamespace Serverless.OAuth.Clients;"),
            ("Identity/Full.cs", "namespace Serverless.OAuth.Identity;\nclass A { object B() => new global::Serverless.OAuth.Interaction.Pages.Html(); }"),
            ("Grants/Relative.cs", "namespace Serverless.OAuth.Grants;\nclass A { string B() => Endpoints.MetadataEndpoint.X; }"),
            ("Endpoints/Fine.cs",
                "using Serverless.OAuth.Grants;\nusing Serverless.OAuth.Protocol;\nnamespace Serverless.OAuth.Endpoints;\n" +
                "/// <see cref=\"Http.EndpointRunner\"/>\nclass A { string B() => \"Interaction.Pages.Html\" + options.Http.Name + Interaction.Count; /* Http.EndpointRunner */ }"),
            ("Interaction/Pages/Html.cs", "namespace Serverless.OAuth.Interaction.Pages;\npublic sealed class Html;"),
            ("Clients/Apis/ResourceSelection.cs", "namespace Serverless.OAuth.Clients.Apis;\npublic static class ResourceSelection;"),
            ("Endpoints/MetadataEndpoint.cs", "namespace Serverless.OAuth.Endpoints;\npublic sealed class MetadataEndpoint;"),
            ("Endpoints/Validation/ClientAuthenticator.cs", "namespace Serverless.OAuth.Endpoints.Validation;\npublic sealed class ClientAuthenticator;"),
        };

        Assert.Equal(
            [
                "Protocol/Plain.cs imports Grants (using Serverless.OAuth.Grants)",
                "Infrastructure/Options/Static.cs imports Clients (using static Serverless.OAuth.Clients.Apis.ResourceSelection)",
                "Clients/Alias.cs imports Endpoints (using V = Serverless.OAuth.Endpoints.Validation.ClientAuthenticator)",
                "Identity/Full.cs imports Interaction (Serverless.OAuth.Interaction.Pages.Html)",
                "Grants/Relative.cs imports Endpoints (Endpoints.MetadataEndpoint)",
            ],
            Violations(files));
    }

    /// <summary>Every import of a group to the right, as "file imports Group (how)".</summary>
    internal static List<string> Violations(IReadOnlyList<(string Path, string Text)> files)
    {
        var code = files.Select(f => (f.Path, Code: WithoutCommentsAndStrings(f.Text))).ToList();
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        var typesByNamespace = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (_, text) in code)
        {
            var ns = NamespaceDeclaration().Match(text) is { Success: true } m ? m.Groups[1].Value : RootNamespace;
            namespaces.Add(ns);
            var types = typesByNamespace.TryGetValue(ns, out var set) ? set : typesByNamespace[ns] = new HashSet<string>(StringComparer.Ordinal);
            types.UnionWith(TypeDeclaration().Matches(text).Select(t => t.Groups[1].Value));
        }

        var violations = new List<string>();
        foreach (var (path, text) in code)
        {
            var group = path.Split('/')[0];
            var rank = IndexOf(group);
            foreach (var (target, how) in Imports(text, namespaces, typesByNamespace).Distinct())
            {
                if (rank >= 0 && IndexOf(target) > rank)
                {
                    violations.Add($"{path} imports {target} ({how})");
                }
            }
        }

        return violations;
    }

    private static int IndexOf(string group) => Groups.ToList().IndexOf(group);

    private static IEnumerable<(string Group, string How)> Imports(string code, HashSet<string> namespaces, Dictionary<string, HashSet<string>> typesByNamespace)
    {
        foreach (Match m in UsingDirective().Matches(code))
        {
            yield return (m.Groups[2].Value, m.Groups[1].Value.Trim());
        }

        var body = NamespaceDeclaration().Replace(UsingDirective().Replace(code, ""), "");
        foreach (Match m in FullyQualified().Matches(body))
        {
            yield return (m.Groups[2].Value, m.Groups[1].Value);
        }

        // Inside the core, "Clients.Apis.X" names Serverless.OAuth.Clients.Apis.X: count it when it is a namespace of the
        // core followed by a type declared in it (so a property that happens to be called Clients or Http is not).
        foreach (Match m in RelativelyQualified().Matches(body))
        {
            var segments = m.Value.Split('.');
            for (var k = segments.Length - 1; k >= 1; k--)
            {
                var ns = RootNamespace + "." + string.Join('.', segments[..k]);
                if (namespaces.Contains(ns) && typesByNamespace.TryGetValue(ns, out var types) && types.Contains(segments[k]))
                {
                    yield return (segments[0], string.Join('.', segments[..(k + 1)]));
                    break;
                }
            }
        }
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Core, "*.cs", SearchOption.AllDirectories)
            .Where(p => Path.GetRelativePath(Core, p).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[0] is not ("bin" or "obj"));

    /// <summary>The code with comments (documentation too: a cref is not an import) and the contents of literals removed.</summary>
    internal static string WithoutCommentsAndStrings(string source)
    {
        var output = new StringBuilder(source.Length);
        var i = 0;
        while (i < source.Length)
        {
            if (At(source, i, "//"))
            {
                i = source.IndexOf('\n', i) is var end and >= 0 ? end : source.Length;
            }
            else if (At(source, i, "/*"))
            {
                i = source.IndexOf("*/", i + 2, StringComparison.Ordinal) is var end and >= 0 ? end + 2 : source.Length;
            }
            else if (At(source, i, "\"\"\""))
            {
                i = source.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) is var end and >= 0 ? end + 3 : source.Length;
                output.Append("\"\"");
            }
            else if (At(source, i, "@\"") || At(source, i, "$@\"") || At(source, i, "@$\""))
            {
                var j = source.IndexOf('"', i) + 1;
                while (j < source.Length && !(source[j] == '"' && !At(source, j, "\"\"")))
                {
                    j += At(source, j, "\"\"") ? 2 : 1;
                }

                i = j + 1;
                output.Append("\"\"");
            }
            else if (source[i] is '"' or '\'')
            {
                var quote = source[i];
                var j = i + 1;
                while (j < source.Length && source[j] != quote && source[j] != '\n')
                {
                    j += source[j] == '\\' ? 2 : 1;
                }

                i = j + 1;
                output.Append(quote).Append(quote);
            }
            else
            {
                output.Append(source[i++]);
            }
        }

        return output.ToString();
    }

    private static bool At(string s, int i, string what) => string.CompareOrdinal(s, i, what, 0, what.Length) == 0;

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(?:struct\s+|class\s+)?(\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^\s*(?:global\s+)?(using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?Serverless\.OAuth\.(\w+)[\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?(Serverless\.OAuth\.(\w+)(?:\.\w+)*)")]
    private static partial Regex FullyQualified();

    /// <summary>A name that starts with a group: <c>Clients.Apis.ApiCatalog</c>, <c>Interaction.AuthorizationResponse.Code</c>.</summary>
    private static readonly Regex RelativelyQualifiedShape = new(@"(?<![\w.:])(?:" + string.Join('|', Groups) + @")(?:\.[A-Z]\w*)+", RegexOptions.Compiled);

    private static Regex RelativelyQualified() => RelativelyQualifiedShape;
}
