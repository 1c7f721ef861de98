OidcWebApp.WebApp.Build(args).Run();
