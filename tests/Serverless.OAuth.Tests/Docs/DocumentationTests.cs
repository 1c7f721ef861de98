using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Docs;

/// <summary>
/// The README and docs/ as CI sees them: every relative link resolves (the file, and the heading when a fragment
/// names one), every setting named (<c>OAuth__X__Y</c> or <c>OAuth:X:Y</c>) binds to an option, every option is in
/// the configuration reference, and every event id is in the telemetry table.
/// </summary>
public sealed partial class DocumentationTests
{
    private static readonly string Root = RepositoryPaths.Root;

    public static TheoryData<string> Documents() =>
        new(new[] { "README.md" }.Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md").Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/')).Order()));

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryRelativeLinkResolves(string document) =>
        Assert.Empty(BrokenLinks(document, File.ReadAllText(Path.Combine(Root, document))));

    [Theory]
    [MemberData(nameof(Documents))]
    public void EverySettingNamedBindsToAnOption(string document) =>
        Assert.Empty(UnboundSettings(File.ReadAllText(Path.Combine(Root, document))));

    [Fact]
    public void TheCheckFindsABrokenLinkAndAnInventedSetting()
    {
        Assert.Equal(
            ["docs/nowhere.md", "docs/scale.md#no-such-heading", "#not-a-heading-here"],
            BrokenLinks("README.md", "[a](docs/nowhere.md) [b](docs/scale.md#no-such-heading) [c](#not-a-heading-here) [d](docs/scale.md) [e](https://example.com/x)"));
        Assert.Equal(
            ["OAuth__Signing__Modus", "OAuth:Lockout:MaxFailure", "OAuth__Storage__TablePrefix__0"],
            UnboundSettings("`OAuth__Signing__Modus` `OAuth:Lockout:MaxFailure` `OAuth__Storage__TablePrefix__0` `OAuth__Scopes__{name}` `OAuth__ClientMetadataDocuments__AllowedAddresses__0` `OAuth:Signing:KeyVaultClient:Retry:MaxRetries`"));
    }

    /// <summary>Every option a deployment can set is in the reference table (shorthand rows name the parent once, then <c>`__Leaf`</c>).</summary>
    [Fact]
    public void EveryOptionIsInTheConfigurationReference()
    {
        var reference = File.ReadAllLines(Path.Combine(Root, "docs/configuration.md")).Where(l => l.StartsWith("| `OAuth__", StringComparison.Ordinal)).ToList();
        var missing = LeafSettings(typeof(OAuthServerOptions), "OAuth")
            .Where(setting =>
            {
                var cut = setting.LastIndexOf("__", StringComparison.Ordinal);
                return !reference.Any(row => row.Contains($"`{setting}`", StringComparison.Ordinal) || row.Contains($"`{setting}__", StringComparison.Ordinal)
                    || (row.Contains($"`{setting[..cut]}__", StringComparison.Ordinal) && row.Contains($"`{setting[cut..]}`", StringComparison.Ordinal)));
            });
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryEventIdIsInTheTelemetryTable()
    {
        var operate = File.ReadAllText(Path.Combine(Root, "docs/deploying-and-operating.md"));
        Assert.Empty(EventIds.All.Where(e => !operate.Contains($"| {e.Id} | `{e.Name}` |", StringComparison.Ordinal)).Select(e => $"{e.Id} {e.Name}"));
    }

    private static List<string> BrokenLinks(string document, string text)
    {
        var folder = Path.GetDirectoryName(Path.Combine(Root, document))!;
        var broken = new List<string>();
        foreach (Match link in Link().Matches(WithoutCode(text)))
        {
            var target = link.Groups["target"].Value;
            if (Scheme().IsMatch(target))
            {
                continue;
            }

            var (path, fragment) = target.IndexOf('#') is var hash and >= 0 ? (target[..hash], target[(hash + 1)..]) : (target, "");
            var file = path.Length == 0 ? Path.Combine(Root, document) : Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(path)));
            if (!File.Exists(file) && !Directory.Exists(file))
            {
                broken.Add(target);
            }
            else if (fragment.Length > 0 && (!file.EndsWith(".md", StringComparison.Ordinal) || !Anchors(File.ReadAllText(file)).Contains(fragment)))
            {
                broken.Add(target);
            }
        }

        return broken;
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutCode(markdown)))
        {
            var slug = NotInSlug().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-');
            var unique = slug;
            for (var n = 1; !anchors.Add(unique); n++)
            {
                unique = $"{slug}-{n}";
            }
        }

        return anchors;
    }

    private static List<string> UnboundSettings(string text) =>
        Setting().Matches(text).Select(m => m.Value).Where(name => !Binds(typeof(OAuthServerOptions), name.Split(["__", ":"], StringSplitOptions.None)[1..])).Distinct().ToList();

    /// <summary>Whether configuration keys along <paramref name="path"/> reach a settable option, as the configuration binder walks them.</summary>
    private static bool Binds(Type type, ReadOnlySpan<string> path)
    {
        if (path.IsEmpty)
        {
            return true;
        }

        if (Dictionary(type) is { } valueType)
        {
            return Binds(valueType, path[1..]);
        }

        if (Element(type) is { } elementType)
        {
            return int.TryParse(path[0], out _) && Binds(elementType, path[1..]);
        }

        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is not null && (property.SetMethod?.IsPublic == true || (path.Length > 1 && IsComplex(property.PropertyType))) && Binds(property.PropertyType, path[1..]);
    }

    /// <summary>The settings of the server's own option types (the Azure SDK's client options below them are not ours to list).</summary>
    private static IEnumerable<string> LeafSettings(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(p => p.SetMethod?.IsPublic == true))
        {
            var name = $"{prefix}__{property.Name}";
            if (IsComplex(property.PropertyType) && Dictionary(property.PropertyType) is null && Element(property.PropertyType) is null)
            {
                foreach (var leaf in LeafSettings(property.PropertyType, name))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return name;
            }
        }
    }

    private static bool IsComplex(Type type) => type.IsClass && type != typeof(string) && type != typeof(Uri);

    private static Type? Dictionary(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1] : null;

    private static Type? Element(Type type) =>
        type.IsArray ? type.GetElementType() : type.IsGenericType && typeof(IList).IsAssignableFrom(type) ? type.GetGenericArguments()[0] : null;

    /// <summary>Fenced code is not prose: a shell comment there is not a heading, and no link is in it.</summary>
    private static string WithoutCode(string markdown) => Fence().Replace(markdown, "");

    [GeneratedRegex(@"(?:\]\(|\b(?:src|href)="")(?<target>[^)""\s]+)[)""]")]
    private static partial Regex Link();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^#{1,6} +(.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{Nd}\- _]")]
    private static partial Regex NotInSlug();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"\bOAuth(?:__|:)[A-Za-z0-9{}]+(?:(?:__|:)[A-Za-z0-9{}]+)*")]
    private static partial Regex Setting();
}
