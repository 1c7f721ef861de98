using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Serverless.Infra.Tests.Support;

/// <summary>A diagnostic line of the Bicep CLI: "file(line,col) : Warning rule-name: message".</summary>
public sealed record BicepDiagnostic(string Level, string Code, string Line)
{
    public bool IsWarningOrError => Level is "Warning" or "Error";
}

public sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    public IReadOnlyList<BicepDiagnostic> Diagnostics => BicepCli.ParseDiagnostics(StandardError + "\n" + StandardOutput);
}

/// <summary>
/// Runs the Bicep CLI shipped in the Azure.Bicep.CommandLine.linux-x64 package; the package folder reaches the tests
/// through an assembly metadata attribute written by the project file (GeneratePathProperty).
/// </summary>
public static class BicepCli
{
    public static string ExecutablePath { get; } = Locate();

    public static BicepResult Run(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry, and none of the deployment variables of the machine running the tests leak into a build.
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var name in new[] { "AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_PRINCIPAL_ID", "AZURE_PRINCIPAL_TYPE", "OAUTH_SIGNING_MODE", "OAUTH_SIGNING_ALGORITHM" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Cannot start " + ExecutablePath);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A guard against a hung process, not an assertion on speed.
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("bicep " + string.Join(' ', start.ArgumentList) + " did not finish");
        }

        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    public static IReadOnlyList<BicepDiagnostic> ParseDiagnostics(string output)
    {
        var diagnostics = new List<BicepDiagnostic>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // file(line,col) : Level code: message
            var marker = line.IndexOf(") : ", StringComparison.Ordinal);
            if (marker < 0)
            {
                continue;
            }

            var rest = line[(marker + 4)..];
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            if (space <= 0 || colon <= space)
            {
                continue;
            }

            diagnostics.Add(new BicepDiagnostic(rest[..space], rest[(space + 1)..colon], line));
        }

        return diagnostics;
    }

    public static string Describe(IEnumerable<BicepDiagnostic> diagnostics)
    {
        var text = new StringBuilder();
        foreach (var diagnostic in diagnostics)
        {
            text.AppendLine(diagnostic.Line);
        }

        return text.ToString();
    }

    private static string Locate()
    {
        var packageDirectory = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "BicepPackageDirectory")?.Value;
        if (string.IsNullOrEmpty(packageDirectory))
        {
            throw new InvalidOperationException("The test assembly has no BicepPackageDirectory metadata; is Azure.Bicep.CommandLine.linux-x64 referenced with GeneratePathProperty?");
        }

        var path = Path.Combine(packageDirectory, "tools", "bicep");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The Bicep CLI is not in its package (linux-x64 only)", path);
        }

        // NuGet extraction does not always keep the executable bit.
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            var mode = File.GetUnixFileMode(path);
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | execute);
            }
        }

        return path;
    }
}
