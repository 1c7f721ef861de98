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
        var violations = Violations(CoreFiles());
        Assert.True(violations.Count == 0, $"Imports of a group to the right ({string.Join(" < ", Groups)}; docs/architecture.md):\n{string.Join('\n', violations)}");
    }

    [Fact]
    public void NoFolderImportsAFolderThatImportsItBack()
    {
        var cycles = FolderCycles(CoreFiles());
        Assert.True(cycles.Count == 0, $"Folders of the core that import each other (docs/architecture.md):\n{string.Join('\n', cycles)}");
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

    [Fact]
    public void TheFolderCheckFindsAParentUsedWithoutAUsing_AndLongerCycles_AndInterpolations_AndIgnoresCommentsAndStrings()
    {
        var files = new List<(string Path, string Text)>
        {
            // Clients <-> Clients/Apis: a using one way, the parent's type by its bare name the other.
            ("Clients/Registration.cs", "using Serverless.OAuth.Clients.Apis;\nnamespace Serverless.OAuth.Clients;\npublic sealed class Registration { ApiCatalog A; }"),
            ("Clients/OAuthClient.cs", "namespace Serverless.OAuth.Clients;\npublic sealed class OAuthClient;"),
            ("Clients/Apis/ApiCatalog.cs", "namespace Serverless.OAuth.Clients.Apis;\npublic sealed class ApiCatalog { bool Allows(OAuthClient c) => true; }"),
            // Grants -> Grants/Tokens -> Grants/Store -> Grants: a relative name, a fully qualified one, a static using.
            ("Grants/CodeGrant.cs", "namespace Serverless.OAuth.Grants;\npublic sealed class CodeGrant { object W() => new Tokens.Writer(); }"),
            ("Grants/Tokens/Writer.cs", "namespace Serverless.OAuth.Grants.Tokens;\npublic sealed class Writer { object S() => new Serverless.OAuth.Grants.Store.GrantStore(); }"),
            ("Grants/Store/GrantStore.cs", "using static Serverless.OAuth.Grants.CodeGrant;\nnamespace Serverless.OAuth.Grants.Store;\npublic sealed class GrantStore;"),
            // Not imports: a comment, a string, a member that shares a parent type's name, a type of its own namespace.
            ("Interaction/Step.cs", "namespace Serverless.OAuth.Interaction;\npublic sealed class Step;\npublic sealed class Html;"),
            ("Interaction/Pages/Page.cs",
                "namespace Serverless.OAuth.Interaction.Pages;\n/// <see cref=\"Step\"/>\npublic sealed class Page { string A() => \"Step\" + x.Step + new Html(); /* Step */ }"),
            ("Interaction/Pages/Html.cs", "namespace Serverless.OAuth.Interaction.Pages;\npublic sealed class Html;"),
            ("Interaction/Pages/DevicePage.cs", "namespace Serverless.OAuth.Interaction.Pages;\npublic static class DevicePage { public static Html Step(int a) => Step(a); }"),
            // A hole of an interpolated string is code: Identity/Users -> Identity/Sessions -> Identity/Users.
            ("Identity/Users/User.cs", "namespace Serverless.OAuth.Identity.Users;\npublic sealed class User { string A() => $\"{{x}} {Sessions.Session.Name}\"; }"),
            ("Identity/Sessions/Session.cs",
                "namespace Serverless.OAuth.Identity.Sessions;\npublic sealed class Session { string A() => $$\"\"\"{x} {{\"Users.User\" + Users.User.Name}}\"\"\" + @\"Users.User\"; }"),
        };

        Assert.Equal(
            [
                "Clients -> Clients/Apis -> Clients: Clients/Registration.cs (using Serverless.OAuth.Clients.Apis), Clients/Apis/ApiCatalog.cs (OAuthClient)",
                "Identity/Sessions -> Identity/Users -> Identity/Sessions: Identity/Sessions/Session.cs (Users.User), Identity/Users/User.cs (Sessions.Session)",
                "Grants -> Grants/Tokens -> Grants/Store -> Grants: Grants/CodeGrant.cs (Tokens.Writer), " +
                    "Grants/Tokens/Writer.cs (Serverless.OAuth.Grants.Store.GrantStore), Grants/Store/GrantStore.cs (using static Serverless.OAuth.Grants.CodeGrant)",
            ],
            FolderCycles(files));
        Assert.Empty(Violations(files));
    }

    /// <summary>Every import of a group to the right, as "file imports Group (how)".</summary>
    internal static List<string> Violations(IReadOnlyList<(string Path, string Text)> files)
    {
        var violations = new List<string>();
        foreach (var (path, imports) in ImportsByFile(files))
        {
            var rank = IndexOf(path.Split('/')[0]);
            foreach (var (target, how) in imports.Select(i => (i.Namespace.Split('.')[0], i.How)).Distinct())
            {
                if (rank >= 0 && IndexOf(target) > rank)
                {
                    violations.Add($"{path} imports {target} ({how})");
                }
            }
        }

        return violations;
    }

    /// <summary>
    /// Every cycle between folders of the core (a folder is its namespace: <c>Clients/Apis</c>), one line each, with the
    /// import that makes each step: every two folders that import each other ("Clients -> Clients/Apis -> Clients:
    /// Clients/A.cs (using ...), Clients/Apis/B.cs (OAuthClient)"), then, for a knot of folders that all reach each other
    /// without such a pair, one shortest cycle through it.
    /// </summary>
    internal static List<string> FolderCycles(IReadOnlyList<(string Path, string Text)> files)
    {
        var edges = FolderEdges(files);
        var folders = edges.Keys.Concat(edges.Values.SelectMany(e => e.Keys)).Distinct().Order(StringComparer.Ordinal).ToList();
        string Cycle(List<string> path) => $"{string.Join(" -> ", path)}: {string.Join(", ", path.Zip(path.Skip(1), (from, to) => edges[from][to]))}";

        var cycles = new List<string>();
        var inPairs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var from in folders)
        {
            foreach (var to in edges.TryGetValue(from, out var e) ? e.Keys : Enumerable.Empty<string>())
            {
                if (string.CompareOrdinal(from, to) < 0 && edges.TryGetValue(to, out var back) && back.ContainsKey(from))
                {
                    cycles.Add(Cycle([from, to, from]));
                    inPairs.Add(from);
                    inPairs.Add(to);
                }
            }
        }

        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in folders.Where(f => !done.Contains(f)))
        {
            var knot = folders.Where(f => f == start || (ShortestPath(edges, start, f) is not null && ShortestPath(edges, f, start) is not null)).ToList();
            done.UnionWith(knot);
            if (knot.Count > 1 && !knot.Any(inPairs.Contains))
            {
                cycles.Add(Cycle(knot.Where(f => f != start)
                    .Select(f => ShortestPath(edges, start, f)!.Concat(ShortestPath(edges, f, start)!.Skip(1)).ToList())
                    .MinBy(p => p.Count)!));
            }
        }

        return cycles;
    }

    /// <summary>For each folder, the other folders it imports, each with its first import as "file (how)".</summary>
    internal static Dictionary<string, SortedDictionary<string, string>> FolderEdges(IReadOnlyList<(string Path, string Text)> files)
    {
        var edges = new Dictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (path, imports) in ImportsByFile(files))
        {
            var folder = path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
            var from = edges.TryGetValue(folder, out var e) ? e : edges[folder] = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (ns, how) in imports)
            {
                var target = ns.Replace('.', '/');
                if (target != folder && !from.ContainsKey(target))
                {
                    from[target] = $"{path} ({how})";
                }
            }
        }

        return edges;
    }

    /// <summary>A shortest path of folders from one to the other (both included), or null.</summary>
    private static List<string>? ShortestPath(Dictionary<string, SortedDictionary<string, string>> edges, string from, string to)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal) { [from] = from };
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var folder))
        {
            if (folder == to && folder != from)
            {
                break;
            }

            foreach (var next in edges.TryGetValue(folder, out var e) ? e.Keys : Enumerable.Empty<string>())
            {
                if (previous.TryAdd(next, folder))
                {
                    queue.Enqueue(next);
                }
            }
        }

        if (!previous.ContainsKey(to) || from == to)
        {
            return from == to ? [from] : null;
        }

        var path = new List<string> { to };
        while (path[^1] != from)
        {
            path.Add(previous[path[^1]]);
        }

        path.Reverse();
        return path;
    }

    /// <summary>Each file with the namespaces of the core it imports (relative to the root: "Clients.Apis") and how.</summary>
    internal static List<(string Path, List<(string Namespace, string How)> Imports)> ImportsByFile(IReadOnlyList<(string Path, string Text)> files)
    {
        var code = files.Select(f => (f.Path, Code: WithoutCommentsAndStrings(f.Text))).ToList();
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        var typesByNamespace = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (_, text) in code)
        {
            var ns = NamespaceOf(text);
            namespaces.Add(ns);
            var types = typesByNamespace.TryGetValue(ns, out var set) ? set : typesByNamespace[ns] = new HashSet<string>(StringComparer.Ordinal);
            types.UnionWith(TypeDeclaration().Matches(text).Select(t => t.Groups[1].Value));
        }

        return code.Select(f => (f.Path, Imports(f.Code, NamespaceOf(f.Code), namespaces, typesByNamespace)
            .Select(i => (i.Namespace == RootNamespace ? "" : i.Namespace[(RootNamespace.Length + 1)..], i.How)).Distinct().ToList())).ToList();
    }

    private static string NamespaceOf(string code) => NamespaceDeclaration().Match(code) is { Success: true } m ? m.Groups[1].Value : RootNamespace;

    private static int IndexOf(string group) => Groups.ToList().IndexOf(group);

    /// <summary>The namespaces of the core a file's code names (full: "Serverless.OAuth.Clients.Apis"), and how.</summary>
    private static IEnumerable<(string Namespace, string How)> Imports(string code, string own, HashSet<string> namespaces, Dictionary<string, HashSet<string>> typesByNamespace)
    {
        // using Serverless.OAuth.Clients.Apis; using static Serverless.OAuth.Clients.Apis.ResourceSelection: the longest
        // prefix that is a namespace of the core (a namespace not declared in the core but under it still names its group).
        string NamespaceIn(string name)
        {
            var segments = name.Split('.');
            for (var k = segments.Length; k >= 3; k--)
            {
                if (namespaces.Contains(string.Join('.', segments[..k])))
                {
                    return string.Join('.', segments[..k]);
                }
            }

            return string.Join('.', segments[..Math.Min(3, segments.Length)]);
        }

        foreach (Match m in UsingDirective().Matches(code))
        {
            yield return (NamespaceIn(m.Groups[2].Value), m.Groups[1].Value.Trim());
        }

        var body = NamespaceDeclaration().Replace(UsingDirective().Replace(code, ""), "");
        foreach (Match m in FullyQualified().Matches(body))
        {
            yield return (NamespaceIn(m.Groups[1].Value), m.Groups[1].Value);
        }

        // Inside the core, "Clients.Apis.X" names Serverless.OAuth.Clients.Apis.X, and inside Serverless.OAuth.Clients
        // "Apis.X" does too: count it when, from the file's namespace or one of its parents, it is a namespace of the
        // core followed by a type declared in it (so a property that happens to be called Clients or Http is not), and
        // the file does not declare a member or parameter of that name (options.Storage.X is the property's, not Storage's).
        foreach (Match m in RelativelyQualified().Matches(body))
        {
            var segments = m.Value.Split('.');
            var found = DeclaresMember(body, segments[0]);
            for (var scope = own; !found && scope.Length >= RootNamespace.Length; scope = Parent(scope))
            {
                for (var k = segments.Length - 1; k >= 1; k--)
                {
                    var ns = scope + "." + string.Join('.', segments[..k]);
                    if (namespaces.Contains(ns) && typesByNamespace.TryGetValue(ns, out var types) && types.Contains(segments[k]))
                    {
                        yield return (ns, string.Join('.', segments[..(k + 1)]));
                        found = true;
                        break;
                    }
                }
            }
        }

        // A file in Serverless.OAuth.Clients.Apis sees the types of Serverless.OAuth.Clients without a using (the compiler
        // looks in the enclosing namespaces first): a name of such a type, not one of the file's own namespace and not a
        // member (after a dot), imports the parent. Where the file declares a member of that name (DevicePage.SignIn, a
        // method), the name counts only where it is a type: before a name it declares, after new, in type arguments.
        var ownTypes = typesByNamespace.TryGetValue(own, out var declared) ? declared : [];
        for (var parent = Parent(own); parent.Length > RootNamespace.Length; parent = Parent(parent))
        {
            if (typesByNamespace.TryGetValue(parent, out var types))
            {
                foreach (var name in Identifier().Matches(body).Select(i => i.Value).Distinct())
                {
                    if (types.Contains(name) && !ownTypes.Contains(name) && (!DeclaresMember(body, name) || UsesAsType(body, name)))
                    {
                        yield return (parent, name);
                    }
                }
            }
        }
    }

    /// <summary>Whether the code declares a member, parameter or local of that name (<c>StorageOptions Storage {</c>).</summary>
    private static bool DeclaresMember(string code, string name) =>
        Regex.IsMatch(code, @"[\w>\]?]\s+" + Regex.Escape(name) + @"\s*(?:[{;=(),]|=>)");

    /// <summary>Whether the code uses the name as a type: <c>SignIn s</c>, <c>SignIn? s</c>, <c>new SignIn(</c>, <c>&lt;SignIn&gt;</c>, <c>typeof(SignIn)</c>.</summary>
    private static bool UsesAsType(string code, string name) =>
        Regex.IsMatch(code, @"(?:\bnew\s+|<\s*|\btypeof\(\s*)" + Regex.Escape(name) + @"\b|(?<![\w.])" + Regex.Escape(name) + @"\??\s+[A-Za-z_]\w*\s*(?:[{;=(),]|=>)");

    private static string Parent(string ns) => ns.Contains('.') ? ns[..ns.LastIndexOf('.')] : "";

    /// <summary>The core's .cs files as (path from the core with '/', text).</summary>
    internal static List<(string Path, string Text)> CoreFiles() =>
        SourceFiles().Select(p => (Path.GetRelativePath(Core, p).Replace('\\', '/'), File.ReadAllText(p))).ToList();

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Core, "*.cs", SearchOption.AllDirectories)
            .Where(p => Path.GetRelativePath(Core, p).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[0] is not ("bin" or "obj"));

    /// <summary>
    /// The code with comments (documentation too: a cref is not an import) and the contents of literals removed, except
    /// the holes of interpolated strings, which are code (<c>$"name=\"{FieldNames.Csrf}\""</c> names FormFields).
    /// </summary>
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
            else if (StringLiteral(source, i, output) is var next and >= 0)
            {
                i = next;
            }
            else if (source[i] == '\'')
            {
                var j = i + 1;
                while (j < source.Length && source[j] != '\'' && source[j] != '\n')
                {
                    j += source[j] == '\\' ? 2 : 1;
                }

                i = j + 1;
                output.Append("''");
            }
            else
            {
                output.Append(source[i++]);
            }
        }

        return output.ToString();
    }

    /// <summary>
    /// A string literal at <paramref name="i"/> (regular, verbatim, raw, each maybe interpolated with any number of $):
    /// appends "" with the code of its holes between the quotes and returns the index after it; -1 when none starts there.
    /// </summary>
    private static int StringLiteral(string source, int i, StringBuilder output)
    {
        var j = i;
        var dollars = 0;
        var verbatim = false;
        for (; j < source.Length; j++)
        {
            if (source[j] == '$')
            {
                dollars++;
            }
            else if (source[j] == '@' && !verbatim)
            {
                verbatim = true;
            }
            else
            {
                break;
            }
        }

        if (j >= source.Length || source[j] != '"' || (i > 0 && (char.IsLetterOrDigit(source[i - 1]) || source[i - 1] == '_') && j > i))
        {
            return -1;
        }

        var quotes = 0;
        while (j + quotes < source.Length && source[j + quotes] == '"')
        {
            quotes++;
        }

        var raw = quotes >= 3;
        if (quotes == 2)
        {
            output.Append("\"\"");
            return j + 2;
        }

        var holeBraces = Math.Max(dollars, 1);
        var close = raw ? new string('"', quotes) : "\"";
        output.Append('"');
        var k = j + (raw ? quotes : 1);
        while (k < source.Length)
        {
            if (raw ? At(source, k, close) : source[k] == '"' && !(verbatim && At(source, k, "\"\"")))
            {
                output.Append('"');
                return k + close.Length;
            }

            if (!raw && !verbatim && source[k] == '\\')
            {
                k += 2;
            }
            else if (!raw && verbatim && At(source, k, "\"\""))
            {
                k += 2;
            }
            else if (!raw && !verbatim && source[k] == '\n')
            {
                return k;
            }
            else if (dollars > 0 && source[k] == '{')
            {
                var run = 0;
                while (k + run < source.Length && source[k + run] == '{')
                {
                    run++;
                }

                if (!raw && run >= 2)
                {
                    // {{ in a $"..." string is a brace, not a hole.
                    k += run - run % 2;
                    continue;
                }

                if (run < holeBraces)
                {
                    k += run;
                    continue;
                }

                // The hole: code up to its matching brace, with the strings in it skipped too.
                var start = k + run;
                var depth = 0;
                var h = start;
                while (h < source.Length && !(depth == 0 && source[h] == '}'))
                {
                    if (StringLiteral(source, h, new StringBuilder()) is var after and >= 0)
                    {
                        h = after;
                        continue;
                    }

                    depth += source[h] == '{' ? 1 : source[h] == '}' ? -1 : 0;
                    h++;
                }

                output.Append(' ').Append(WithoutCommentsAndStrings(source[start..Math.Min(h, source.Length)])).Append(' ');
                k = h + holeBraces;
            }
            else
            {
                k++;
            }
        }

        return source.Length;
    }

    private static bool At(string s, int i, string what) => string.CompareOrdinal(s, i, what, 0, what.Length) == 0;

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(?:struct\s+|class\s+)?(\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^\s*(?:global\s+)?(using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?(Serverless\.OAuth\.(\w+)[\w.]*))\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?(Serverless\.OAuth\.(\w+)(?:\.\w+)*)")]
    private static partial Regex FullyQualified();

    /// <summary>A dotted name that may start with a namespace: <c>Clients.Apis.ApiCatalog</c>, <c>Apis.ApiCatalog</c>.</summary>
    [GeneratedRegex(@"(?<![\w.:])[A-Z]\w*(?:\.[A-Z]\w*)+")]
    private static partial Regex RelativelyQualified();

    /// <summary>A name not after a dot (a member) or a <c>::</c>.</summary>
    [GeneratedRegex(@"(?<![\w.:])[A-Z]\w*\b")]
    private static partial Regex Identifier();
}
