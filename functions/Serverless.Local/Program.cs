using Serverless.Local;
using Serverless.Local.Admin;

// "clients ...", "users ...", "keys ...", "purge": an admin command against the configured storage; otherwise the server.
if (args.Length > 0 && AdminCommands.IsCommand(args[0]))
{
    return await AdminCommands.RunAsync(args, Console.Out, Console.Error);
}

var app = LocalHost.Build(args);
await app.RunAsync();
return 0;
