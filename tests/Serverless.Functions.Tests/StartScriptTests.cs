using System.Diagnostics;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>
/// scripts/start.sh chooses 'func start' in the Functions app's folder when Core Tools are on PATH, and the local host
/// otherwise. Run on a copy of the script in a scratch repository, with fake 'func' and 'dotnet' commands that record
/// their arguments and working directory, and storage configured so that no Azurite starts.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StartScriptTests : IDisposable
{
    private readonly string _repository = Path.Combine(Path.GetTempPath(), "start-script-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _bin;
    private readonly string _record;

    public StartScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_repository, "scripts"));
        Directory.CreateDirectory(Path.Combine(_repository, "functions", "Serverless.Functions"));
        Directory.CreateDirectory(Path.Combine(_repository, "node_modules", ".bin"));
        File.Copy(Path.Combine(RepositoryPaths.Root, "scripts", "start.sh"), Path.Combine(_repository, "scripts", "start.sh"));
        File.Copy(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json"), Path.Combine(_repository, "local.settings.sample.json"));
        foreach (var azurite in new[] { "azurite", "azurite-table" })
        {
            WriteExecutable(Path.Combine(_repository, "node_modules", ".bin", azurite), "#!/bin/sh\necho \"azurite must not start here\" >&2\nexit 1\n");
        }

        _bin = Path.Combine(_repository, "fake-bin");
        Directory.CreateDirectory(_bin);
        _record = Path.Combine(_repository, "commands.txt");
    }

    private string AppFolder => Path.Combine(_repository, "functions", "Serverless.Functions");

    [Fact]
    public async Task WithFuncOnPath_ItRunsFuncStart_InTheAppFolder_WithLocalSettingsFromTheSample()
    {
        FakeCommand("func");
        FakeCommand("dotnet");

        var output = await RunAsync();

        Assert.Equal([$"func|{AppFolder}|start --port 7071"], File.ReadAllLines(_record));
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(_repository, "local.settings.sample.json")),
            await File.ReadAllTextAsync(Path.Combine(AppFolder, "local.settings.json")));
        Assert.Contains("running the Functions app with 'func start'", output);
    }

    [Fact]
    public async Task WithFuncOnPath_AnExistingLocalSettingsFile_IsKept()
    {
        FakeCommand("func");
        await File.WriteAllTextAsync(Path.Combine(AppFolder, "local.settings.json"), "{ \"mine\": true }");

        await RunAsync();

        Assert.Equal("{ \"mine\": true }", await File.ReadAllTextAsync(Path.Combine(AppFolder, "local.settings.json")));
    }

    [Fact]
    public async Task WithoutFunc_ItRunsTheLocalHost_AndSaysWhy()
    {
        FakeCommand("dotnet");

        var output = await RunAsync();

        Assert.Equal([$"dotnet|{_repository}|run --project functions/Serverless.Local -c Release"], File.ReadAllLines(_record));
        Assert.False(File.Exists(Path.Combine(AppFolder, "local.settings.json")));
        Assert.Contains("'func') not found: running the local ASP.NET Core host", output);
    }

    private void FakeCommand(string name) =>
        WriteExecutable(Path.Combine(_bin, name), $"#!/bin/sh\necho \"{name}|$PWD|$*\" >> \"{_record}\"\n");

    private static void WriteExecutable(string path, string script)
    {
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private async Task<string> RunAsync()
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(_repository, "scripts", "start.sh"));
        start.Environment["PATH"] = _bin + ":/usr/bin:/bin";
        start.Environment["OAuth__Storage__ConnectionString"] = "UseDevelopmentStorage=true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"start.sh exited {process.ExitCode}: {await stdout}{await stderr}");
        return await stdout;
    }

    public void Dispose() => Directory.Delete(_repository, recursive: true);
}
