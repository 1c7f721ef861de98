using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);

// ASP.NET Core integration: the functions get the real HttpContext, so the stock JwtBearer handler can authenticate it.
builder.ConfigureFunctionsWebApplication();

var authority = builder.Configuration["Api:Authority"] ?? throw new InvalidOperationException("Set Api__Authority to the authorization server's issuer.");
var audience = builder.Configuration["Api:Audience"] ?? throw new InvalidOperationException("Set Api__Audience to this API's identifier.");

// The same validation as an ASP.NET Core API: the issuer's metadata and keys, this API's aud, typ at+jwt (RFC 9068).
builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
{
    options.Authority = authority;
    options.Audience = audience;
    options.RequireHttpsMetadata = !new Uri(authority).IsLoopback;
    options.MapInboundClaims = false;
    options.TokenValidationParameters.ValidTypes = ["at+jwt"];
});

builder.Build().Run();
