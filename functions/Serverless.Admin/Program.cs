using Serverless.Admin;

return await AdminCommandLine.RunAsync(args, Console.Out, Console.Error, Console.In);
