using System.Diagnostics;
using Serverless.OAuth.Options;

namespace Serverless.Benchmarks.Hosting;

/// <summary>
/// A published local host started as its own process, as in Azure: Production, a Local ES256 key file, Azurite
/// storage under its own table prefix, warnings only. Its output is read and dropped so it never blocks on a pipe.
/// </summary>
public static class LocalHostProcess
{
    public static Process Start(string hostPath, StorageOptions storage, string keyPath, string url)
    {
        var start = hostPath.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") { ArgumentList = { hostPath } } : new ProcessStartInfo(hostPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetDirectoryName(hostPath)!;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["OAuth__Issuer"] = url;
        start.Environment["OAuth__Storage__ConnectionString"] = storage.ConnectionString;
        start.Environment["OAuth__Storage__TablePrefix"] = storage.TablePrefix;
        start.Environment["OAuth__Signing__LocalKeyPath"] = keyPath;
        start.Environment["OAuth__Signing__Algorithm"] = "ES256";
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + hostPath);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
