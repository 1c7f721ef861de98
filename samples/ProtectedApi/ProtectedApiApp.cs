using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace ProtectedApi;

/// <summary>
/// An API that trusts the authorization server for its own tokens only: the stock JwtBearer handler reads the issuer's
/// metadata and keys (Authority), and accepts a token only when its aud is this API's identifier (Audience, as
/// registered with <c>api add --identifier</c>), its typ is at+jwt (RFC 9068 §2.1), and it is signed, current and
/// from that issuer. GET /orders also needs the API's scope (Api:Scope). The defaults are the local server's demo API,
/// so <c>dotnet run</c> works beside <c>./scripts/start.sh</c>; set Api__Authority, Api__Audience and Api__Scope for yours.
/// A DPoP-bound token (cnf.jkt) is accepted only with the DPoP scheme and a proof of its key (<see cref="DpopProofValidation"/>).
/// </summary>
public static class ProtectedApiApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var authority = builder.Configuration["Api:Authority"] ?? "http://localhost:7071";
        var audience = builder.Configuration["Api:Audience"] ?? authority + "/resource";
        var scope = builder.Configuration["Api:Scope"] ?? "read";

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.Authority = authority;
            options.Audience = audience;
            // An http issuer only on this machine (the server's local default, http://localhost:7071).
            options.RequireHttpsMetadata = !new Uri(authority).IsLoopback;
            options.MapInboundClaims = false;
            options.TokenValidationParameters.ValidTypes = ["at+jwt"];
            // DPoP-bound tokens (RFC 9449): "Authorization: DPoP" with a proof of the token's key; see DpopProofValidation.
            options.AddDpop(TimeProvider.System);
        });
        builder.Services.AddAuthorization(authorization => authorization.AddPolicy("orders", policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => context.User.FindFirst("scope")?.Value.Split(' ').Contains(scope) == true)));

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/orders", (ClaimsPrincipal user) => Results.Ok(new
        {
            message = "Here are your orders.",
            sub = user.FindFirst("sub")?.Value,
            client_id = user.FindFirst("client_id")?.Value,
            scope = user.FindFirst("scope")?.Value,
        })).RequireAuthorization("orders");
        return app;
    }
}
