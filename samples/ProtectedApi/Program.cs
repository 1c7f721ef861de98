ProtectedApi.ProtectedApiApp.Build(args).Run();
