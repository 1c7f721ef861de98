using Samples.McpServer;

McpServerApp.Build(args).Run();
