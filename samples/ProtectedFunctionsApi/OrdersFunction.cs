using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;

namespace ProtectedFunctionsApi;

/// <summary>
/// GET /orders. The Functions host has no authentication middleware for the worker's functions, so the function asks
/// the JwtBearer handler itself: no valid token for this API is a 401 with the handler's Bearer challenge
/// (error="invalid_token" when one was sent), a token without the scope a 403.
/// </summary>
public sealed class OrdersFunction(IConfiguration configuration)
{
    private static readonly string[] Scheme = [JwtBearerDefaults.AuthenticationScheme];
    private readonly string _scope = configuration["Api:Scope"] ?? throw new InvalidOperationException("Set Api__Scope to the scope GET /orders needs.");

    [Function("Orders")]
    public async Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "orders")] HttpRequest request)
    {
        var authentication = await request.HttpContext.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!authentication.Succeeded)
        {
            return Results.Challenge(authenticationSchemes: Scheme);
        }

        var user = authentication.Principal;
        if (user.FindFirst("scope")?.Value.Split(' ').Contains(_scope) != true)
        {
            return Results.Forbid(authenticationSchemes: Scheme);
        }

        return Results.Ok(new
        {
            message = "Here are your orders.",
            sub = user.FindFirst("sub")?.Value,
            client_id = user.FindFirst("client_id")?.Value,
            scope = user.FindFirst("scope")?.Value,
        });
    }
}
