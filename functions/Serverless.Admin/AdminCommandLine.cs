using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.Admin;

/// <summary>
/// The admin command line: clients, APIs, users, keys and purge, against the storage the configuration names (Azurite in
/// Development; the deployed account with OAuth__Storage__TableServiceUri and an Azure login). Exit codes: 0 done,
/// 1 the operation failed, 2 the command line is wrong.
/// </summary>
public static class AdminCommandLine
{
    public const int Done = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command. The server's services come from a generic host built only
    /// for a command that needs them (not for help or a bad command line); <paramref name="configure"/> adds to its
    /// configuration and services before the server's own (tests: the storage and keys of a test server).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader input, Action<HostApplicationBuilder>? configure = null)
    {
        var session = new AdminSession(output, error, input, configure);
        var root = new RootCommand("The admin tool of the authorization server. Settings come from adminsettings.json, "
            + "adminsettings.{Environment}.json (DOTNET_ENVIRONMENT) and OAuth__* environment variables.")
        {
            AdminCommands.Clients(session),
            ApiCommands.Create(session),
            AdminCommands.Users(session),
            ProviderCommands.Create(session),
            AdminCommands.Keys(session),
            AdminCommands.Purge(session),
        };

        // "help" as a word, as well as the usual --help, -h and -?.
        var parsed = root.Parse(args is ["help"] ? ["--help"] : args);
        if (parsed.Errors.Count > 0)
        {
            // An unknown word is reported once, not also as the missing command it left behind.
            var messages = parsed.UnmatchedTokens.Count > 0
                ? parsed.UnmatchedTokens.Select(token => parsed.CommandResult.Command.Subcommands.Count > 0
                    ? $"Unknown command '{parsed.CommandResult.Command.Name} {token}'."
                    : $"Unknown argument '{token}'.")
                : parsed.Errors.Select(e => e.SymbolResult is OptionResult { Tokens.Count: 0 } option && option.Option.Arity.MinimumNumberOfValues > 0
                    ? $"{option.Option.Name} needs a value."
                    : e.Message);
            return await session.UsageErrorAsync(string.Join(Environment.NewLine, messages));
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}

/// <summary>One run of the tool: its streams, and the server's services once a command asks for them.</summary>
public sealed class AdminSession(TextWriter output, TextWriter error, TextReader input, Action<HostApplicationBuilder>? configure)
{
    public TextWriter Output => output;

    public TextWriter Error => error;

    public TextReader Input => input;

    /// <summary>Runs a command with the server's services; a storage or Key Vault failure is exit 1 with a hint.</summary>
    public async Task<int> WithServicesAsync(Func<IServiceProvider, Task<int>> command)
    {
        IHost host;
        try
        {
            // Settings from this tool's own files beside it, then OAuth__* environment variables; no logging (the
            // commands say what they did), and relative paths (the local key file) from the current directory.
            var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environments.Production;
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                DisableDefaults = true,
                EnvironmentName = environment,
                ContentRootPath = Directory.GetCurrentDirectory(),
            });
            builder.Configuration
                .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "adminsettings.json"), optional: true)
                .AddJsonFile(Path.Combine(AppContext.BaseDirectory, $"adminsettings.{environment}.json"), optional: true)
                .AddEnvironmentVariables();
            configure?.Invoke(builder);
            builder.Services.AddServerlessOAuth(builder.Configuration);
            host = builder.Build();

            // The settings are checked when first read: here, so a bad one is a message and exit 1, not a stack trace.
            host.Services.GetRequiredService<OAuthServerOptions>();
        }
        catch (Exception e) when (e is InvalidOperationException or OptionsValidationException)
        {
            await error.WriteLineAsync(e.Message);
            return AdminCommandLine.Failed;
        }

        using (host)
        {
            try
            {
                return await command(host.Services);
            }
            catch (Exception e) when (e is DependencyUnavailableException or Azure.RequestFailedException)
            {
                await error.WriteLineAsync($"Storage or Key Vault could not be reached ({e.GetType().Name}). Is Azurite running, or are you signed in to Azure?");
                return AdminCommandLine.Failed;
            }
        }
    }

    public async Task<int> UsageErrorAsync(string message)
    {
        await error.WriteLineAsync(message);
        await error.WriteLineAsync("Run with --help for the commands and their options.");
        return AdminCommandLine.BadUsage;
    }
}
