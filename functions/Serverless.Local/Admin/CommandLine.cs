namespace Serverless.Local.Admin;

/// <summary>A parsed admin command line: "--name value" options (some repeatable) and "--flag" switches.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine()
    {
    }

    /// <summary>Parses <paramref name="args"/>; <paramref name="flags"/> take no value, <paramref name="options"/> take one.</summary>
    public static (CommandLine? Line, string? Error) Parse(IEnumerable<string> args, ISet<string> options, ISet<string> flags)
    {
        var line = new CommandLine();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (flags.Contains(arg))
            {
                line._flags.Add(arg);
            }
            else if (options.Contains(arg))
            {
                if (!e.MoveNext() || e.Current.StartsWith("--", StringComparison.Ordinal))
                {
                    return (null, $"{arg} needs a value.");
                }

                if (!line._options.TryGetValue(arg, out var values))
                {
                    line._options[arg] = values = [];
                }

                values.Add(e.Current);
            }
            else
            {
                return (null, $"Unknown argument '{arg}'.");
            }
        }

        return (line, null);
    }

    public string? Value(string name) => _options.TryGetValue(name, out var values) ? values[^1] : null;

    public IReadOnlyList<string> Values(string name) => _options.TryGetValue(name, out var values) ? values : [];

    public bool Has(string flag) => _flags.Contains(flag);
}
